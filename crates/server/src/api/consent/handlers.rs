//! The consent handlers. Opting out is always accepted within the normal interaction;
//! opting in (and a one-time approval) needs an authenticated interaction of the
//! account, or a signed letter recorded by the privacy office.

use crate::application::consent_change::{self as change, Action, RecordView, Request, StatusView};
use crate::application::{customer_consent, opt_out_mail};
use crate::auth::CurrentStaff;
use crate::auth::customer::CurrentCustomer;
use crate::extract::{ApiJson, ApiPath, ApiQuery, IdempotencyKey};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::account::Account;
use cpniguard_core::consent::{
    ApprovalState, ConsentChannel, ConsentEvent, ConsentEventKind, ConsentTier, Evidence, NoticeMedium, NoticeServed,
};
use cpniguard_core::ids::AccountId;
use cpniguard_core::staff::Role;
use cpniguard_store::consent::{ConsentChange, QuarantinedMail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

async fn account(state: &AppState, id: AccountId) -> ApiResult<Account> {
    state.store.get_account(id).await?.ok_or_else(|| Problem::not_found("account"))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AsOf {
    /// The time to derive the status at (RFC 3339); default now.
    pub at: Option<DateTime<Utc>>,
}

#[utoipa::path(
    get, path = "/api/v1/accounts/{id}/consent", tag = "consent",
    params(("id" = AccountId, Path, description = "Account id"), AsOf),
    responses((status = 200, body = StatusView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn status(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<AccountId>,
    ApiQuery(q): ApiQuery<AsOf>,
) -> ApiResult<Json<StatusView>> {
    account(&state, id).await?;
    Ok(Json(customer_consent::status_at(&state, id, q.at.unwrap_or_else(|| state.now())).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    /// Oldest first.
    pub events: Vec<ConsentEvent>,
}

#[utoipa::path(
    get, path = "/api/v1/accounts/{id}/consent/history", tag = "consent",
    params(("id" = AccountId, Path, description = "Account id")),
    responses((status = 200, body = HistoryView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn history(State(state): State<AppState>, ApiPath(id): ApiPath<AccountId>) -> ApiResult<Json<HistoryView>> {
    account(&state, id).await?;
    Ok(Json(HistoryView { events: state.store.consent_history(id).await? }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordRequest {
    /// A configured scope; for `opt_out` absent means every marketing scope.
    pub scope: Option<String>,
    pub action: Action,
    /// `csr_call` (default), `letter` or `api`.
    #[serde(default = "default_channel")]
    pub channel: ConsentChannel,
    /// The customer interaction (call, visit) the request was made in.
    pub interaction_id: Option<String>,
    /// Reference of the scanned letter (channel `letter`).
    pub letter_ref: Option<String>,
    /// When the customer's request was received (a letter's date of receipt); default now.
    pub at: Option<DateTime<Utc>>,
}

fn default_channel() -> ConsentChannel {
    ConsentChannel::CsrCall
}

/// An interaction of this account that is open and has authentication evidence.
async fn authenticated_interaction(state: &AppState, account: AccountId, id: &str) -> ApiResult<bool> {
    let Ok(id) = Uuid::parse_str(id) else { return Ok(false) };
    let Some(interaction) = state.store.get_interaction(id).await? else { return Ok(false) };
    if interaction.account_id != account || interaction.expires_at <= state.now() {
        return Ok(false);
    }
    Ok(!state.store.list_evidence(id).await?.is_empty())
}

#[utoipa::path(
    post, path = "/api/v1/accounts/{id}/consent", tag = "consent",
    params(
        ("id" = AccountId, Path, description = "Account id"),
        ("Idempotency-Key" = Option<String>, Header, description = "A repeat records nothing new"),
    ),
    request_body = RecordRequest,
    responses(
        (status = 201, description = "Recorded, confirmation queued", body = RecordView),
        (status = 403, description = "Opt-in without an authenticated interaction", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn record(
    State(state): State<AppState>,
    staff: CurrentStaff,
    key: IdempotencyKey,
    ApiPath(id): ApiPath<AccountId>,
    ApiJson(req): ApiJson<RecordRequest>,
) -> ApiResult<(StatusCode, Json<RecordView>)> {
    let acct = account(&state, id).await?;
    let policy = state.config.consent.policy();
    let now = state.now();
    let at = req.at.unwrap_or(now);
    if at > now {
        return Err(ValidationError::new("at", "cannot be in the future").into());
    }
    let scopes = match (&req.scope, req.action) {
        (Some(s), _) => vec![s.clone()],
        (None, Action::OptOut | Action::Revoke) => change::marketing_scopes(&state.config),
        (None, _) => return Err(ValidationError::new("scope", "which scope is approved").into()),
    };
    for s in &scopes {
        policy.scope(s).ok_or_else(|| ValidationError::new("scope", format!("unknown scope {s:?}")))?;
    }
    if req.channel == ConsentChannel::Letter && req.letter_ref.is_none() {
        return Err(ValidationError::new("letter_ref", "a letter is recorded with its scanned reference").into());
    }
    if !matches!(req.channel, ConsentChannel::CsrCall | ConsentChannel::Letter | ConsentChannel::Api) {
        return Err(ValidationError::new("channel", "csr_call, letter or api").into());
    }
    let approves = matches!(req.action, Action::OptIn | Action::OneTimeApproval);
    let needs_auth = approves && scopes.iter().any(|s| policy.scope(s).is_some_and(|d| d.tier != ConsentTier::OptOut));
    if needs_auth {
        let by_letter = req.channel == ConsentChannel::Letter
            && (staff.0.has_role(Role::PrivacyOfficer) || staff.0.has_role(Role::Admin));
        let authenticated = match &req.interaction_id {
            Some(i) => authenticated_interaction(&state, id, i).await?,
            None => false,
        };
        if !(by_letter || authenticated) {
            return Err(Problem::forbidden(
                "an opt-in or one-time approval needs an open interaction of this account in which the customer was authenticated (interaction_id), or a signed letter recorded by the privacy office",
            ));
        }
    }
    let request = Request {
        account: &acct,
        scopes,
        kind: req.action.kind(),
        channel: req.channel,
        at,
        recorded_by: format!("staff:{}", staff.0.id),
        evidence: Evidence {
            interaction_id: req.interaction_id.clone(),
            letter_ref: req.letter_ref.clone(),
            ..Evidence::default()
        },
        idempotency_base: key.0.map(|k| format!("api:{k}")),
    };
    let change = change::build(&state.config, &request, now);
    for e in &change.events {
        e.validate(&policy)?;
    }
    let out = state.store.record_consent(&change, now).await?;
    tracing::info!(account = %id, staff = %staff.0.id, action = ?req.action, recorded = out.recorded.len(), "consent recorded");
    let status = customer_consent::status_at(&state, id, now).await?;
    Ok((StatusCode::CREATED, Json(RecordView { recorded: out.recorded, notices_queued: out.notices, status })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeRequest {
    /// Which version of the notice text was served.
    pub version: String,
    pub medium: NoticeMedium,
    /// When it was sent (electronic) or mailed.
    pub at: DateTime<Utc>,
    /// Opt-out tier scopes it covers; default all.
    pub scopes: Option<Vec<String>>,
}

#[utoipa::path(
    post, path = "/api/v1/accounts/{id}/consent/notices", tag = "consent",
    params(("id" = AccountId, Path, description = "Account id")),
    request_body = NoticeRequest,
    responses((status = 201, body = HistoryView), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn record_notice(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<AccountId>,
    ApiJson(req): ApiJson<NoticeRequest>,
) -> ApiResult<(StatusCode, Json<HistoryView>)> {
    account(&state, id).await?;
    let policy = state.config.consent.policy();
    let now = state.now();
    let scopes = req.scopes.unwrap_or_else(|| {
        policy.scopes.iter().filter(|s| s.tier == ConsentTier::OptOut).map(|s| s.name.clone()).collect()
    });
    let channel = match req.medium {
        NoticeMedium::Electronic => ConsentChannel::Email,
        NoticeMedium::Mail => ConsentChannel::Letter,
    };
    let events: Vec<ConsentEvent> = scopes
        .into_iter()
        .map(|scope| ConsentEvent {
            id: Uuid::now_v7(),
            account_id: id,
            scope,
            kind: ConsentEventKind::NoticeServed,
            at: req.at,
            channel,
            recorded_by: format!("staff:{}", staff.0.id),
            recorded_at: now,
            evidence: Evidence::default(),
            notice: Some(NoticeServed { version: req.version.clone(), medium: req.medium }),
            refers_to: None,
            idempotency_key: None,
        })
        .collect();
    for e in &events {
        e.validate(&policy)?;
    }
    state.store.record_consent(&ConsentChange { events: events.clone(), ..Default::default() }, now).await?;
    Ok((StatusCode::CREATED, Json(HistoryView { events })))
}

#[utoipa::path(
    post, path = "/api/v1/accounts/{id}/consent/notices/{event}/bounced", tag = "consent",
    params(("id" = AccountId, Path, description = "Account id"), ("event" = String, Path, description = "The notice event")),
    responses((status = 201, body = HistoryView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn notice_bounced(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath((id, event)): ApiPath<(AccountId, Uuid)>,
) -> ApiResult<(StatusCode, Json<HistoryView>)> {
    let history = state.store.consent_history(id).await?;
    let served = history
        .iter()
        .find(|e| e.id == event && e.kind == ConsentEventKind::NoticeServed)
        .ok_or_else(|| Problem::not_found("notice event"))?;
    let now = state.now();
    let bounce = ConsentEvent {
        id: Uuid::now_v7(),
        kind: ConsentEventKind::NoticeBounced,
        at: now,
        recorded_by: format!("staff:{}", staff.0.id),
        recorded_at: now,
        notice: None,
        refers_to: Some(event),
        idempotency_key: Some(format!("bounce:{event}")),
        ..served.clone()
    };
    state.store.record_consent(&ConsentChange { events: vec![bounce.clone()], ..Default::default() }, now).await?;
    Ok((StatusCode::CREATED, Json(HistoryView { events: vec![bounce] })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    pub scope: String,
    pub at: Option<DateTime<Utc>>,
    /// The audience; absent means every account.
    pub account_ids: Option<Vec<AccountId>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkView {
    pub scope: String,
    pub at: DateTime<Utc>,
    pub total: usize,
    pub by_state: BTreeMap<ApprovalState, usize>,
    /// The accounts whose CPNI may be used for the scope at `at`.
    pub usable: Vec<AccountId>,
}

#[utoipa::path(
    post, path = "/api/v1/consent/approvals", tag = "consent",
    request_body = BulkRequest,
    responses((status = 200, body = BulkView), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn bulk(State(state): State<AppState>, ApiJson(req): ApiJson<BulkRequest>) -> ApiResult<Json<BulkView>> {
    let policy = state.config.consent.policy();
    let scope = policy.scope(&req.scope).ok_or_else(|| ValidationError::new("scope", "unknown scope"))?.clone();
    let at = req.at.unwrap_or_else(|| state.now());
    let all = state.store.bulk_approval(&scope, &policy, at, req.account_ids.as_deref()).await?;
    let mut by_state = BTreeMap::new();
    for a in &all {
        *by_state.entry(a.state).or_insert(0) += 1;
    }
    let usable = all.iter().filter(|a| a.usable).map(|a| a.account_id).collect();
    Ok(Json(BulkView { scope: scope.name, at, total: all.len(), by_state, usable }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuarantineView {
    #[schema(value_type = String)]
    pub id: Uuid,
    pub received_at: DateTime<Utc>,
    pub reason: String,
    pub detail: String,
    pub message_id: Option<String>,
    pub sha256: String,
    pub sender: Option<String>,
    pub account_ids: Vec<AccountId>,
    pub status: String,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub resolution_note: Option<String>,
    /// The raw message (lossy UTF-8), only when one entry is read.
    pub raw: Option<String>,
}

impl QuarantineView {
    pub(crate) fn new(q: QuarantinedMail, with_raw: bool) -> Self {
        let raw = with_raw.then(|| String::from_utf8_lossy(&q.raw).into_owned());
        Self {
            id: q.id,
            received_at: q.received_at,
            reason: q.reason,
            detail: q.detail,
            message_id: q.message_id,
            sha256: q.sha256,
            sender: q.sender,
            account_ids: q.account_ids,
            status: q.status,
            resolved_at: q.resolved_at,
            resolved_by: q.resolved_by,
            resolution_note: q.resolution_note,
            raw,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QuarantineParams {
    /// Include resolved (filed, dismissed) entries; default: open ones only.
    pub all: Option<bool>,
}

#[utoipa::path(
    get, path = "/api/v1/consent/mail-quarantine", tag = "consent", params(QuarantineParams),
    responses((status = 200, body = Vec<QuarantineView>)), security(("bearer" = []))
)]
pub async fn quarantine_list(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<QuarantineParams>,
) -> ApiResult<Json<Vec<QuarantineView>>> {
    let list = opt_out_mail::list(&state, p.all.unwrap_or(false)).await?;
    Ok(Json(list.into_iter().map(|q| QuarantineView::new(q, false)).collect()))
}

#[utoipa::path(
    get, path = "/api/v1/consent/mail-quarantine/{qid}", tag = "consent",
    params(("qid" = String, Path, description = "Quarantine entry")),
    responses((status = 200, body = QuarantineView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn quarantine_get(
    State(state): State<AppState>,
    ApiPath(qid): ApiPath<Uuid>,
) -> ApiResult<Json<QuarantineView>> {
    Ok(Json(QuarantineView::new(opt_out_mail::get(&state, qid).await?, true)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyRequest {
    /// The accounts whose customer sent the message (after checking who it is).
    pub account_ids: Vec<AccountId>,
    pub note: Option<String>,
}

#[utoipa::path(
    post, path = "/api/v1/consent/mail-quarantine/{qid}/apply", tag = "consent",
    params(("qid" = String, Path, description = "Quarantine entry")), request_body = ApplyRequest,
    responses((status = 200, body = QuarantineView), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn quarantine_apply(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(qid): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ApplyRequest>,
) -> ApiResult<Json<QuarantineView>> {
    let done = opt_out_mail::file_as_opt_out(&state, &staff.0, qid, &req.account_ids, req.note.as_deref()).await?;
    Ok(Json(QuarantineView::new(done, false)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DismissRequest {
    /// Why (spam, not an opt-out request, …).
    pub note: String,
}

#[utoipa::path(
    post, path = "/api/v1/consent/mail-quarantine/{qid}/dismiss", tag = "consent",
    params(("qid" = String, Path, description = "Quarantine entry")), request_body = DismissRequest,
    responses((status = 200, body = QuarantineView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn quarantine_dismiss(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(qid): ApiPath<Uuid>,
    ApiJson(req): ApiJson<DismissRequest>,
) -> ApiResult<Json<QuarantineView>> {
    let done = opt_out_mail::dismiss(&state, &staff.0, qid, &req.note).await?;
    Ok(Json(QuarantineView::new(done, false)))
}

#[utoipa::path(
    get, path = "/api/v1/portal/consent", tag = "consent",
    responses((status = 200, body = StatusView), (status = 401, body = Problem, content_type = "application/problem+json"))
)]
pub async fn portal_status(State(state): State<AppState>, customer: CurrentCustomer) -> ApiResult<Json<StatusView>> {
    Ok(Json(customer_consent::status_at(&state, customer.account_id, state.now()).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalRequest {
    /// Absent with `opt_out`: every marketing scope.
    pub scope: Option<String>,
    /// `opt_out`, `opt_in` or `revoke`.
    pub action: Action,
}

#[utoipa::path(
    post, path = "/api/v1/portal/consent", tag = "consent", request_body = PortalRequest,
    responses((status = 201, body = RecordView), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"))
)]
pub async fn portal_record(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    ApiJson(req): ApiJson<PortalRequest>,
) -> ApiResult<(StatusCode, Json<RecordView>)> {
    let view = customer_consent::change_own(&state, &customer, req.scope, req.action).await?;
    Ok((StatusCode::CREATED, Json(view)))
}
