//! The one action that tells every affected customer: a breach notice per account,
//! queued through the outbox to the email of record (else a letter to the postal
//! address of record), in the customer's language. The notice says what kind of
//! information was involved, never the information itself.

use super::handlers::event;
use crate::application::breach_clocks::{self as clocks, blocked_until, clocks_of};
use crate::application::breach_incidents::all_affected;
use crate::application::breach_incidents::{IncidentView, load, prepare, version_conflict, view};
use crate::application::contacts::of_record_rule;
use crate::auth::CurrentStaff;
use crate::extract::ApiPath;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use cpniguard_core::ValidationError;
use cpniguard_core::account::{Account, Language};
use cpniguard_core::contact::ContactValue;
use cpniguard_core::ids::AccountId;
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind};
use cpniguard_store::breach::{BreachEvent, BreachIncident, IncidentState};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// The kinds of information, in the customer's language.
fn categories_in_words(categories: &[String], language: Language) -> String {
    let words: Vec<&str> = categories
        .iter()
        .map(|c| match (c.as_str(), language) {
            ("services_and_configuration", Language::En) => "the services you take and how they are set up",
            ("services_and_configuration", Language::Es) => "los servicios que tiene y su configuración",
            ("rates", Language::En) => "your rates and rate plan",
            ("rates", Language::Es) => "sus tarifas y su plan",
            ("call_detail", Language::En) => "records of your calls",
            ("call_detail", Language::Es) => "los registros de sus llamadas",
            ("billing", Language::En) => "your bills",
            ("billing", Language::Es) => "sus facturas",
            ("usage_summary", Language::En) => "summaries of your usage",
            ("usage_summary", Language::Es) => "resúmenes de su uso",
            (_, Language::En) => "information about your service",
            (_, Language::Es) => "información sobre su servicio",
        })
        .collect();
    if words.is_empty() {
        return match language {
            Language::En => "information about your telephone service".to_owned(),
            Language::Es => "información sobre su servicio telefónico".to_owned(),
        };
    }
    words.join("; ")
}

/// The notice to one account, or `None` when it has no email or postal address of
/// record to send it to.
fn notice_for(state: &AppState, incident: &BreachIncident, account: &Account) -> Option<NewNotice> {
    let now = state.now();
    let rule = of_record_rule(state);
    let of_record = || account.contact_points.iter().filter(|c| c.is_of_record(now, rule));
    let email = of_record().find_map(|c| match &c.value {
        ContactValue::Email(e) => Some(Destination::Email { address: e.clone() }),
        _ => None,
    });
    let (channel, destination) = match email {
        Some(d) => (Channel::Email, d),
        None => (
            Channel::Postal,
            of_record().find_map(|c| match &c.value {
                ContactValue::Postal(p) => {
                    Some(Destination::Postal { name: account.profile.name.clone(), address: p.clone() })
                }
                _ => None,
            })?,
        ),
    };
    let language = account.profile.language;
    let params = BTreeMap::from([
        ("change".to_owned(), NoticeKind::BreachNotice.as_str().to_owned()),
        ("changed_at".to_owned(), incident.discovered_at.to_rfc3339()),
        ("name".to_owned(), account.profile.name.clone()),
        ("categories".to_owned(), categories_in_words(&incident.categories, language)),
    ]);
    Some(NewNotice {
        id: NoticeId::new(),
        account_id: Some(account.id),
        kind: NoticeKind::BreachNotice,
        channel,
        destination,
        template: NoticeKind::BreachNotice.template().to_owned(),
        language,
        params,
        idempotency_key: format!("breach:{}:{}", incident.id, account.id),
        not_before: now,
    })
}

/// Affected accounts read per store call.
const ACCOUNTS_PER_READ: usize = 1_000;

#[utoipa::path(
    post, path = "/api/v1/breach/incidents/{id}/notify-customers", tag = "breach",
    params(("id" = Uuid, Path, description = "Incident id")),
    responses(
        (status = 200, body = IncidentView),
        (status = 409, description = "Blocked by the waiting period or a delay order (the detail names the day it opens), or already done", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn notify_customers(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<IncidentView>> {
    let mut incident = load(&state, id).await?;
    if !matches!(incident.state, IncidentState::Open | IncidentState::AgenciesNotified) {
        return Err(Problem::conflict("invalid_state", format!("the incident is {}", incident.state.as_str())));
    }
    if incident.affected_count == 0 {
        return Err(Problem::validation(ValidationError::new(
            "affected_accounts",
            "list the affected accounts (or derive them from the audit chain) first",
        )));
    }
    let today = clocks::calendar(&state)?.local_date(state.now());
    if let Some(opens) = blocked_until(&clocks_of(&state, &incident)?, today) {
        return Err(Problem::conflict(
            "customer_notice_blocked",
            format!("customer notice is not permitted before {opens} (waiting period or delay order)"),
        ));
    }
    let affected = all_affected(&state, incident.id).await?;
    let mut notices = Vec::with_capacity(affected.len());
    let mut unreachable = Vec::new();
    // Read a page of accounts at a time: one query per page, not one per account.
    for page in affected.chunks(ACCOUNTS_PER_READ) {
        let accounts: HashMap<AccountId, Account> =
            state.store.get_accounts(page).await?.into_iter().map(|a| (a.id, a)).collect();
        for account_id in page {
            match accounts.get(account_id).and_then(|account| notice_for(&state, &incident, account)) {
                Some(n) => notices.push(n),
                None => unreachable.push(*account_id),
            }
        }
    }
    let expected = incident.version;
    let now = state.now();
    incident.state = IncidentState::CustomersNotified;
    incident.customers_notified_at = Some(now);
    prepare(&state, &mut incident)?;
    let ev = BreachEvent {
        detail: serde_json::json!({ "notices": notices.len(), "unreachable": unreachable }),
        ..event(&incident, &staff, now, "customers_notified")
    };
    let queued =
        state.store.queue_breach_notices(&incident, expected, &ev, &notices, now).await.map_err(version_conflict)?;
    tracing::info!(incident = %incident.id, queued, unreachable = unreachable.len(), "breach notices queued");
    Ok(Json(view(&state, incident).await?))
}
