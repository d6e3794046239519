//! Accounts: open, look up, search, change profile and contact points. These return
//! subscriber and contact information only; CPNI is under `cpni`.

use super::{AccountList, AccountView, ContactChangeView, ContactHistoryView, ContactPointView, present};
use crate::application::contacts::{self, of_record_rule};
use crate::auth::CurrentStaff;
use crate::extract::{ApiJson, ApiPath, ApiQuery, IdempotencyKey};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cpniguard_core::ValidationError;
use cpniguard_core::account::{
    Account, AccountKind, AccountNumber, AccountProfile, AccountStatus, BusinessExemption, DirectoryListing, Language,
    NewAccount, PicFreeze, PostalAddress, TimeZoneName,
};
use cpniguard_core::contact::ContactChange;
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::AccountId;
use cpniguard_core::phone::PhoneNumber;
use cpniguard_store::AccountQuery;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// The contract exemption is not written with the rest of the account (issue 18): 403
/// for whoever may not set it, else where to set it (with who the representative is).
fn exemption_elsewhere(staff: &CurrentStaff) -> Problem {
    if !crate::auth::roles::Capability::SetBusinessExemption.allows(&staff.0) {
        return super::customer_auth::exemption::not_allowed();
    }
    ValidationError::new(
        "business_exemption",
        "set the contract exemption with PUT /api/v1/accounts/{id}/business-exemption (contract reference and dedicated representative)",
    )
    .into()
}

fn view(state: &AppState, account: &Account) -> AccountView {
    AccountView::new(account, state.now(), of_record_rule(state))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "account_number": "A-1001", "kind": "residential", "name": "María López", "language": "es",
    "postal_address": {"line1": "10 Main St", "city": "Provo", "state": "UT", "zip": "84601"},
    "email": "maria@example.com", "telephone_numbers": ["+18015550100"]
}))]
pub struct CreateAccountRequest {
    pub account_number: AccountNumber,
    pub kind: AccountKind,
    pub name: String,
    #[serde(default = "default_language")]
    pub language: Language,
    /// Defaults to the carrier's time zone.
    #[serde(default)]
    pub time_zone: Option<TimeZoneName>,
    #[serde(default = "default_status")]
    pub status: AccountStatus,
    #[serde(default)]
    pub pic_freeze: PicFreeze,
    #[serde(default = "default_listing")]
    pub directory_listing: DirectoryListing,
    /// Refused: the contract exemption is set after opening, by the privacy office or
    /// an administrator (`PUT /api/v1/accounts/{id}/business-exemption`).
    #[serde(default)]
    pub business_exemption: Option<BusinessExemption>,
    pub postal_address: PostalAddress,
    #[serde(default)]
    pub email: Option<EmailAddress>,
    /// The numbers of the account's services: these are its telephone numbers of record.
    pub telephone_numbers: Vec<PhoneNumber>,
}

fn default_language() -> Language {
    Language::En
}
fn default_status() -> AccountStatus {
    AccountStatus::Active
}
fn default_listing() -> DirectoryListing {
    DirectoryListing::Listed
}

#[utoipa::path(
    post, path = "/api/v1/accounts", tag = "accounts",
    request_body = CreateAccountRequest,
    responses(
        (status = 201, description = "Account opened", body = AccountView),
        (status = 409, description = "Account number taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiJson(req): ApiJson<CreateAccountRequest>,
) -> ApiResult<(StatusCode, Json<AccountView>)> {
    if req.business_exemption.is_some() {
        return Err(exemption_elsewhere(&staff));
    }
    let time_zone = match req.time_zone {
        Some(tz) => tz,
        None => TimeZoneName::parse(&state.config.carrier.time_zone)?,
    };
    let new = NewAccount {
        profile: AccountProfile {
            account_number: req.account_number,
            kind: req.kind,
            name: req.name,
            language: req.language,
            time_zone,
            status: req.status,
            pic_freeze: req.pic_freeze,
            directory_listing: req.directory_listing,
            business_exemption: None,
        },
        postal_address: req.postal_address,
        email: req.email,
        telephone_numbers: req.telephone_numbers,
    };
    new.validate()?;
    let account = state.store.create_account(AccountId::new(), &new, state.now()).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &account))))
}

#[utoipa::path(
    get, path = "/api/v1/accounts/{id}", tag = "accounts",
    params(("id" = AccountId, Path, description = "Account id")),
    responses(
        (status = 200, body = AccountView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get(State(state): State<AppState>, ApiPath(id): ApiPath<AccountId>) -> ApiResult<Json<AccountView>> {
    let account = state.store.get_account(id).await?.ok_or_else(|| Problem::not_found("account"))?;
    Ok(Json(view(&state, &account)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Accounts whose number starts with this.
    pub account_number: Option<String>,
    /// Accounts that currently have this telephone number (any common format).
    pub telephone_number: Option<String>,
    /// Accounts whose name contains this, ignoring case.
    pub name: Option<String>,
    /// The `next_after` of the previous page.
    pub after: Option<String>,
    /// Page size, 1 to 1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

#[utoipa::path(
    get, path = "/api/v1/accounts", tag = "accounts",
    params(SearchParams),
    responses(
        (status = 200, body = AccountList),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> ApiResult<Json<AccountList>> {
    let telephone_number = params
        .telephone_number
        .as_deref()
        .map(|n| PhoneNumber::parse(n).map_err(|e| e.within("telephone_number")))
        .transpose()?;
    let after = params
        .after
        .as_deref()
        .map(|a| AccountNumber::parse(a).map_err(|e| ValidationError::new("after", e.reason)))
        .transpose()?;
    let limit = crate::application::page_limit(params.limit, 50)?;
    let query = AccountQuery {
        account_number_prefix: params.account_number.filter(|s| !s.trim().is_empty()),
        telephone_number,
        name_contains: params.name.filter(|s| !s.trim().is_empty()),
        after,
        limit,
    };
    let page = state.store.search_accounts(&query).await?;
    Ok(Json(AccountList {
        accounts: page.accounts.iter().map(|a| view(&state, a)).collect(),
        next_after: page.next_after,
    }))
}

/// Fields to change; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfileRequest {
    pub name: Option<String>,
    pub language: Option<Language>,
    pub time_zone: Option<TimeZoneName>,
    pub status: Option<AccountStatus>,
    pub pic_freeze: Option<PicFreeze>,
    pub directory_listing: Option<DirectoryListing>,
    /// Refused: the contract exemption is set only by the privacy office or an
    /// administrator, with `PUT /api/v1/accounts/{id}/business-exemption`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<BusinessExemption>)]
    pub business_exemption: Option<Option<BusinessExemption>>,
}

#[utoipa::path(
    patch, path = "/api/v1/accounts/{id}", tag = "accounts",
    params(("id" = AccountId, Path, description = "Account id")),
    request_body = UpdateProfileRequest,
    responses(
        (status = 200, body = AccountView),
        (status = 403, description = "`business_exemption` given by someone who may not set it", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn update_profile(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<AccountId>,
    ApiJson(req): ApiJson<UpdateProfileRequest>,
) -> ApiResult<Json<AccountView>> {
    if req.business_exemption.is_some() {
        return Err(exemption_elsewhere(&staff));
    }
    let account = state.store.get_account(id).await?.ok_or_else(|| Problem::not_found("account"))?;
    let mut profile = account.profile;
    if let Some(v) = req.name {
        profile.name = v;
    }
    if let Some(v) = req.language {
        profile.language = v;
    }
    if let Some(v) = req.time_zone {
        profile.time_zone = v;
    }
    if let Some(v) = req.status {
        profile.status = v;
    }
    if let Some(v) = req.pic_freeze {
        profile.pic_freeze = v;
    }
    if let Some(v) = req.directory_listing {
        profile.directory_listing = v;
    }
    profile.validate()?;
    let updated = state.store.update_profile(id, &profile, state.now()).await?;
    Ok(Json(view(&state, &updated)))
}

/// A change of contact points. Absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeContactPointsRequest {
    pub postal_address: Option<PostalAddress>,
    /// A new email address, or `null` to remove it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<EmailAddress>>,
    #[serde(default)]
    pub add_telephone_numbers: Vec<PhoneNumber>,
    #[serde(default)]
    pub remove_telephone_numbers: Vec<PhoneNumber>,
}

#[utoipa::path(
    post, path = "/api/v1/accounts/{id}/contact-points", tag = "accounts",
    params(
        ("id" = AccountId, Path, description = "Account id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request with the same key and it queues no second notice"),
    ),
    request_body = ChangeContactPointsRequest,
    responses(
        (status = 200, description = "The account after the change, which kinds changed, and the account-change notices queued (to the contact points of record before the change; never the new ones)", body = ContactChangeView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn change_contact_points(
    State(state): State<AppState>,
    staff: CurrentStaff,
    idempotency: IdempotencyKey,
    ApiPath(id): ApiPath<AccountId>,
    ApiJson(req): ApiJson<ChangeContactPointsRequest>,
) -> ApiResult<Json<ContactChangeView>> {
    let change = ContactChange {
        postal_address: req.postal_address,
        email: req.email,
        add_telephone_numbers: req.add_telephone_numbers,
        remove_telephone_numbers: req.remove_telephone_numbers,
    };
    let outcome =
        contacts::change(&state, &format!("staff:{}", staff.0.id), id, &change, idempotency.0.as_deref()).await?;
    Ok(Json(ContactChangeView {
        account: view(&state, &outcome.account),
        ended: outcome.plan.ended.iter().map(|v| v.kind()).collect(),
        started: outcome.plan.started.iter().map(|v| v.kind()).collect(),
        notices_queued: outcome.notices,
        privacy_tasks_raised: outcome.tasks.len(),
    }))
}

#[utoipa::path(
    get, path = "/api/v1/accounts/{id}/contact-history", tag = "accounts",
    params(("id" = AccountId, Path, description = "Account id")),
    responses(
        (status = 200, description = "Every contact point the account has had, oldest first", body = ContactHistoryView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn contact_history(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<AccountId>,
) -> ApiResult<Json<ContactHistoryView>> {
    state.store.get_account(id).await?.ok_or_else(|| Problem::not_found("account"))?;
    let history = state.store.contact_history(id).await?;
    let (now, rule) = (state.now(), of_record_rule(&state));
    Ok(Json(ContactHistoryView {
        contact_points: history.iter().map(|c| ContactPointView::new(c, now, rule)).collect(),
    }))
}
