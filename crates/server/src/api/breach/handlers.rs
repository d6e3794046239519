//! Incidents: create, read, replace the facts, record what happened since (urgent
//! need, delay orders, agency notices, decisions), and delete after retention. Every
//! change is one versioned write plus one event in the incident's log. Once a
//! notification was sent the record only grows (`core::breach::record`): a
//! replacement is an amendment with its reason and the fields it changed, and the
//! determination and notification times stay fixed.

use crate::application::breach_clocks as clocks;
use crate::application::breach_incidents::{IncidentView, load, not_yet_listed, prepare, version_conflict, view};
use crate::auth::CurrentStaff;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::audit::PrincipalKind;
use cpniguard_core::breach::{Agency, Harm, Regime, record};
use cpniguard_core::classification::CpniCategory;
use cpniguard_core::ids::AccountId;
use cpniguard_store::audit::AuditQuery;
use cpniguard_store::breach::{
    AffectedChange, AgencyNoticeMade, BreachEvent, BreachIncident, DelayExtension, DelayOrder, EncryptionFacts,
    IncidentState, UrgentNeed,
};
use cpniguard_store::{MAX_PAGE, StoreError};
use serde::Deserialize;
use std::collections::BTreeSet;
use utoipa::ToSchema;
use uuid::Uuid;

/// The facts of an incident, as entered (creating it, or replacing them whole).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "discovered_at": "2026-11-02T09:00:00Z", "determined_at": "2026-11-03T15:30:00Z",
    "description": "A laptop holding an export of call detail was stolen from a store",
    "categories": ["call_detail"], "approximate_affected": 120,
    "encryption": {"encrypted": false, "key_compromised": false}
}))]
pub struct IncidentRequest {
    /// Default: the configured regime.
    pub regime: Option<Regime>,
    pub discovered_at: DateTime<Utc>,
    /// When the carrier reasonably determined a breach occurred: the clocks start here.
    pub determined_at: DateTime<Utc>,
    pub description: String,
    #[serde(default)]
    pub circumstances: String,
    /// `CpniCategory` names: services_and_configuration, rates, call_detail, billing,
    /// usage_summary.
    #[serde(default)]
    pub categories: Vec<String>,
    /// The affected accounts, when entered by hand: on a replacement, absent keeps
    /// the accounts listed (imported or derived ones included), present lists exactly
    /// these. Large lists go through the import instead.
    #[schema(value_type = Option<Vec<Uuid>>)]
    pub affected_accounts: Option<Vec<AccountId>>,
    pub approximate_affected: Option<u64>,
    #[serde(default)]
    pub harm: Harm,
    #[serde(default)]
    pub harm_reasoning: String,
    #[serde(default)]
    pub inadvertent: bool,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub encryption: EncryptionFacts,
    /// Why the facts change. Required once a notification was sent (the replacement is
    /// then an amendment in the incident's history); kept with the change otherwise.
    pub reason: Option<String>,
}

pub(super) fn event(incident: &BreachIncident, staff: &CurrentStaff, at: DateTime<Utc>, kind: &str) -> BreachEvent {
    BreachEvent {
        id: Uuid::now_v7(),
        incident_id: incident.id,
        at,
        actor: staff.0.username.to_string(),
        kind: kind.to_owned(),
        detail: serde_json::Value::Null,
    }
}

/// Load, apply `f`, and write the new version with an event of `kind` whose detail is
/// what `f` returns. `f` sets the affected count that `affected` leaves.
pub(super) async fn change(
    state: &AppState,
    staff: &CurrentStaff,
    id: Uuid,
    kind: &'static str,
    affected: AffectedChange<'_>,
    f: impl FnOnce(&mut BreachIncident, DateTime<Utc>) -> ApiResult<serde_json::Value>,
) -> ApiResult<Json<IncidentView>> {
    change_of_kind(state, staff, id, affected, |incident, now| Ok((kind, f(incident, now)?))).await
}

/// [`change`], with `f` naming the event's kind too. A change the record's rules
/// forbid (`core::breach::record::check_change`) is refused with 409.
async fn change_of_kind(
    state: &AppState,
    staff: &CurrentStaff,
    id: Uuid,
    affected: AffectedChange<'_>,
    f: impl FnOnce(&mut BreachIncident, DateTime<Utc>) -> ApiResult<(&'static str, serde_json::Value)>,
) -> ApiResult<Json<IncidentView>> {
    let mut incident = load(state, id).await?;
    let before = incident.protected_facts();
    let expected = incident.version;
    let now = state.now();
    let (kind, detail) = f(&mut incident, now)?;
    prepare(state, &mut incident)?;
    record::check_change(&before, &incident.protected_facts())
        .map_err(|refusal| Problem::conflict("breach_record_fixed", refusal.to_string()).with_field(refusal.field()))?;
    let ev = BreachEvent { detail, ..event(&incident, staff, now, kind) };
    state.store.update_breach_incident(&incident, expected, &ev, affected).await.map_err(version_conflict)?;
    Ok(Json(view(state, incident).await?))
}

fn check_facts(r: &IncidentRequest) -> ApiResult<()> {
    let invalid = |field: &str, reason: &str| Problem::validation(ValidationError::new(field, reason));
    if r.description.trim().is_empty() {
        return Err(invalid("description", "required"));
    }
    if r.determined_at < r.discovered_at {
        return Err(invalid("determined_at", "not before the discovery"));
    }
    if let Some(c) = r.categories.iter().find(|c| !CpniCategory::ALL.iter().any(|k| k.as_str() == c.as_str())) {
        return Err(invalid("categories", &format!("unknown category {c:?}")));
    }
    Ok(())
}

/// The affected accounts entered by hand, sorted and distinct.
fn distinct(mut accounts: Vec<AccountId>) -> Vec<AccountId> {
    accounts.sort();
    accounts.dedup();
    accounts
}

/// Apply the facts other than the affected accounts (the caller takes those out of
/// the request first, to write them beside the record).
fn apply_facts(incident: &mut BreachIncident, r: IncidentRequest) {
    incident.regime = r.regime.unwrap_or(incident.regime);
    incident.discovered_at = r.discovered_at;
    incident.determined_at = r.determined_at;
    incident.description = r.description;
    incident.circumstances = r.circumstances;
    incident.categories = r.categories;
    incident.approximate_affected = r.approximate_affected;
    incident.harm = r.harm;
    incident.harm_reasoning = r.harm_reasoning;
    incident.inadvertent = r.inadvertent;
    incident.encryption = r.encryption;
}

#[utoipa::path(
    post, path = "/api/v1/breach/incidents", tag = "breach", request_body = IncidentRequest,
    responses((status = 201, body = IncidentView), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiJson(mut req): ApiJson<IncidentRequest>,
) -> ApiResult<(StatusCode, Json<IncidentView>)> {
    check_facts(&req)?;
    let now = state.now();
    let mut incident = BreachIncident {
        id: Uuid::now_v7(),
        version: 0,
        state: IncidentState::Open,
        regime: state.config.breach.regime,
        created_at: now,
        discovered_at: req.discovered_at,
        determined_at: req.determined_at,
        description: String::new(),
        circumstances: String::new(),
        categories: Vec::new(),
        affected_count: 0,
        approximate_affected: None,
        harm: Harm::Unknown,
        harm_reasoning: String::new(),
        inadvertent: false,
        encryption: EncryptionFacts::default(),
        urgent_need: None,
        delay_orders: Vec::new(),
        agency_notices: Vec::new(),
        customers_notified_at: None,
        not_required_reason: None,
        annual_summary_filing: None,
        unknown_affected: Vec::new(),
        retain_until: NaiveDate::MIN,
    };
    let affected = req.affected_accounts.take().map(distinct).unwrap_or_default();
    incident.affected_count = affected.len() as u64;
    apply_facts(&mut incident, req);
    prepare(&state, &mut incident)?;
    state.store.create_breach_incident(&incident, &event(&incident, &staff, now, "created"), &affected).await?;
    Ok((StatusCode::CREATED, Json(view(&state, incident).await?)))
}

#[utoipa::path(
    get, path = "/api/v1/breach/incidents", tag = "breach",
    responses((status = 200, body = [IncidentView])),
    security(("bearer" = []))
)]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<IncidentView>>> {
    let mut out = Vec::new();
    for incident in state.store.list_breach_incidents().await? {
        out.push(view(&state, incident).await?);
    }
    Ok(Json(out))
}

#[utoipa::path(
    get, path = "/api/v1/breach/incidents/{id}", tag = "breach",
    params(("id" = Uuid, Path, description = "Incident id")),
    responses((status = 200, body = IncidentView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn get(State(state): State<AppState>, ApiPath(id): ApiPath<Uuid>) -> ApiResult<Json<IncidentView>> {
    let incident = load(&state, id).await?;
    Ok(Json(view(&state, incident).await?))
}

#[utoipa::path(
    put, path = "/api/v1/breach/incidents/{id}", tag = "breach", request_body = IncidentRequest,
    params(("id" = Uuid, Path, description = "Incident id")),
    responses((status = 200, body = IncidentView), (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn replace(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(mut req): ApiJson<IncidentRequest>,
) -> ApiResult<Json<IncidentView>> {
    check_facts(&req)?;
    let entered = req.affected_accounts.take().map(distinct);
    let reason = req.reason.take().filter(|r| !r.trim().is_empty());
    let affected = entered.as_deref().map_or(AffectedChange::Keep, AffectedChange::Replace);
    change_of_kind(&state, &staff, id, affected, |incident, _| {
        let notified = incident.protected_facts().notified();
        if notified && entered.is_some() {
            return Err(Problem::conflict(
                "breach_record_fixed",
                "a notification was sent: affected accounts are only added now (the import or from-audit), never replaced",
            )
            .with_field("affected_accounts"));
        }
        if notified && reason.is_none() {
            return Err(Problem::validation(ValidationError::new(
                "reason",
                "required: a notification was sent, so this change is an amendment that says why",
            )));
        }
        let before = serde_json::to_value(&*incident).map_err(|_| Problem::internal())?;
        if let Some(accounts) = &entered {
            incident.affected_count = accounts.len() as u64;
        }
        apply_facts(incident, req);
        let after = serde_json::to_value(&*incident).map_err(|_| Problem::internal())?;
        let changes = record::changed_fields(&before, &after, &["version", "retain_until"]);
        let kind = if notified { "amended" } else { "facts_replaced" };
        Ok((kind, serde_json::json!({ "affected": incident.affected_count, "reason": reason, "changes": changes })))
    })
    .await
}

/// The audit action of a breach record deleted after its retention date.
pub const DELETED_ACTION: &str = "breach.incident_deleted";

#[utoipa::path(
    delete, path = "/api/v1/breach/incidents/{id}", tag = "breach",
    params(("id" = Uuid, Path, description = "Incident id")),
    responses(
        (status = 204, description = "Deleted; the audit log records the incident id and what went with it"),
        (status = 409, description = "Kept through the retention date (the detail names it), or under a legal hold", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn delete(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let today = clocks::calendar(&state)?.local_date(state.now());
    let deleted = state.store.delete_breach_incident(id, today).await.map_err(|e| match e {
        StoreError::Invalid(e) => Problem::conflict("retention", e.reason).with_field("retain_until"),
        StoreError::Conflict(_) => Problem::conflict(
            "legal_hold",
            "a legal hold covers the incident or an account it lists: it is kept until the hold is lifted",
        ),
        other => other.into(),
    })?;
    let refs = vec![
        format!("breach_incident:{id}"),
        format!("events:{}", deleted.events),
        format!("affected_accounts:{}", deleted.affected_accounts),
        format!("notices:{}", deleted.notices),
        format!("lifted_legal_holds:{}", deleted.lifted_holds),
    ];
    state.gate.record_staff_change(&staff.0, DELETED_ACTION, None, refs, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get, path = "/api/v1/breach/incidents/{id}/events", tag = "breach",
    params(("id" = Uuid, Path, description = "Incident id")),
    responses((status = 200, body = [Object])),
    security(("bearer" = []))
)]
pub async fn events(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<cpniguard_store::breach::BreachEvent>>> {
    load(&state, id).await?;
    Ok(Json(state.store.breach_events(id).await?))
}

/// Who accessed what, and when: every account the principal's audit entries name in
/// `[from, to)` joins the affected accounts.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FromAuditRequest {
    /// staff, customer, carrier or system.
    pub principal_kind: String,
    pub principal: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

#[utoipa::path(
    post, path = "/api/v1/breach/incidents/{id}/affected-accounts/from-audit", tag = "breach",
    request_body = FromAuditRequest, params(("id" = Uuid, Path, description = "Incident id")),
    responses((status = 200, body = IncidentView)),
    security(("bearer" = []))
)]
pub async fn affected_from_audit(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<FromAuditRequest>,
) -> ApiResult<Json<IncidentView>> {
    let kind = PrincipalKind::parse(&req.principal_kind).ok_or_else(|| {
        Problem::validation(ValidationError::new("principal_kind", "staff, customer, carrier or system"))
    })?;
    let mut found = BTreeSet::new();
    let mut query = AuditQuery {
        principal: Some((kind, req.principal.clone())),
        from: Some(req.from),
        to: Some(req.to),
        limit: MAX_PAGE,
        ..AuditQuery::default()
    };
    loop {
        let page = state.store.search_audit(&query).await?;
        found.extend(page.entries.iter().filter_map(|e| e.record.account_id));
        match page.next_after {
            Some(next) => query.after_seq = Some(next),
            None => break,
        }
    }
    let added = not_yet_listed(&state, id, found.iter().copied()).await?;
    change(&state, &staff, id, "affected_from_audit", AffectedChange::Add(&added), |incident, _| {
        incident.affected_count += added.len() as u64;
        Ok(serde_json::json!({
            "principal_kind": kind.as_str(), "principal": req.principal, "from": req.from, "to": req.to,
            "found": found.len(), "added": added.len(),
        }))
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UrgentNeedRequest {
    pub agency: Agency,
    pub consulted: String,
    pub reason: String,
}

#[utoipa::path(
    post, path = "/api/v1/breach/incidents/{id}/urgent-need", tag = "breach", request_body = UrgentNeedRequest,
    params(("id" = Uuid, Path, description = "Incident id")), responses((status = 200, body = IncidentView)),
    security(("bearer" = []))
)]
pub async fn urgent_need(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UrgentNeedRequest>,
) -> ApiResult<Json<IncidentView>> {
    let by = staff.0.username.to_string();
    change(&state, &staff, id, "urgent_need_declared", AffectedChange::Keep, |incident, now| {
        let detail = serde_json::json!({ "agency": req.agency, "consulted": req.consulted, "reason": req.reason });
        incident.urgent_need = Some(UrgentNeed {
            declared_at: now,
            agency: req.agency,
            consulted: req.consulted,
            reason: req.reason,
            recorded_by: by,
        });
        Ok(detail)
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelayOrderRequest {
    pub agency: Agency,
    pub reference: String,
    /// The last day of the order.
    pub until: NaiveDate,
}

#[utoipa::path(
    post, path = "/api/v1/breach/incidents/{id}/delay-orders", tag = "breach", request_body = DelayOrderRequest,
    params(("id" = Uuid, Path, description = "Incident id")), responses((status = 200, body = IncidentView)),
    security(("bearer" = []))
)]
pub async fn delay_order(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<DelayOrderRequest>,
) -> ApiResult<Json<IncidentView>> {
    change(&state, &staff, id, "delay_order", AffectedChange::Keep, |incident, now| {
        let order = DelayOrder {
            id: Uuid::now_v7(),
            agency: req.agency,
            reference: req.reference,
            until: req.until,
            extensions: Vec::new(),
            released_on: None,
            recorded_at: now,
        };
        let detail = serde_json::to_value(&order).unwrap_or_default();
        incident.delay_orders.push(order);
        Ok(detail)
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionRequest {
    pub reference: String,
    pub until: NaiveDate,
}

fn order_mut(incident: &mut BreachIncident, order: Uuid) -> ApiResult<&mut DelayOrder> {
    incident.delay_orders.iter_mut().find(|o| o.id == order).ok_or_else(|| Problem::not_found("delay order"))
}

#[utoipa::path(
    post, path = "/api/v1/breach/incidents/{id}/delay-orders/{order}/extensions", tag = "breach",
    request_body = ExtensionRequest,
    params(("id" = Uuid, Path, description = "Incident id"), ("order" = Uuid, Path, description = "Delay order id")),
    responses((status = 200, body = IncidentView)), security(("bearer" = []))
)]
pub async fn extend_delay(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath((id, order)): ApiPath<(Uuid, Uuid)>,
    ApiJson(req): ApiJson<ExtensionRequest>,
) -> ApiResult<Json<IncidentView>> {
    change(&state, &staff, id, "delay_extended", AffectedChange::Keep, |incident, now| {
        let o = order_mut(incident, order)?;
        let ext = DelayExtension { reference: req.reference, until: req.until, recorded_at: now };
        let detail = serde_json::json!({ "order": order, "extension": ext });
        o.extensions.push(ext);
        Ok(detail)
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    /// The day the agency released the carrier from the order.
    pub released_on: NaiveDate,
}

#[utoipa::path(
    post, path = "/api/v1/breach/incidents/{id}/delay-orders/{order}/release", tag = "breach",
    request_body = ReleaseRequest,
    params(("id" = Uuid, Path, description = "Incident id"), ("order" = Uuid, Path, description = "Delay order id")),
    responses((status = 200, body = IncidentView)), security(("bearer" = []))
)]
pub async fn release_delay(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath((id, order)): ApiPath<(Uuid, Uuid)>,
    ApiJson(req): ApiJson<ReleaseRequest>,
) -> ApiResult<Json<IncidentView>> {
    change(&state, &staff, id, "delay_released", AffectedChange::Keep, |incident, _| {
        order_mut(incident, order)?.released_on = Some(req.released_on);
        Ok(serde_json::json!({ "order": order, "released_on": req.released_on }))
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyNoticeRequest {
    pub agency: Agency,
    pub reference: String,
    /// Default: now.
    pub at: Option<DateTime<Utc>>,
}

#[utoipa::path(
    post, path = "/api/v1/breach/incidents/{id}/agency-notices", tag = "breach", request_body = AgencyNoticeRequest,
    params(("id" = Uuid, Path, description = "Incident id")), responses((status = 200, body = IncidentView)),
    security(("bearer" = []))
)]
pub async fn agency_notice(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<AgencyNoticeRequest>,
) -> ApiResult<Json<IncidentView>> {
    let by = staff.0.username.to_string();
    let params_state = state.clone();
    change(&state, &staff, id, "agency_notified", AffectedChange::Keep, |incident, now| {
        let made = AgencyNoticeMade { agency: req.agency, reference: req.reference, at: req.at.unwrap_or(now), by };
        let detail = serde_json::to_value(&made).unwrap_or_default();
        incident.agency_notices.push(made);
        let required = clocks::params(&params_state, incident).agencies;
        let all_told = required.iter().all(|a| incident.agency_notices.iter().any(|n| n.agency == *a));
        if all_told && incident.state == IncidentState::Open {
            incident.state = IncidentState::AgenciesNotified;
        }
        Ok(detail)
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    pub reason: String,
}

#[utoipa::path(
    post, path = "/api/v1/breach/incidents/{id}/not-required", tag = "breach", request_body = ReasonRequest,
    params(("id" = Uuid, Path, description = "Incident id")), responses((status = 200, body = IncidentView),
        (status = 409, description = "The incident is not in a state this step applies to", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn not_required(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> ApiResult<Json<IncidentView>> {
    if req.reason.trim().is_empty() {
        return Err(Problem::validation(ValidationError::new("reason", "required")));
    }
    change(&state, &staff, id, "customer_notice_not_required", AffectedChange::Keep, |incident, _| {
        if !matches!(incident.state, IncidentState::Open | IncidentState::AgenciesNotified) {
            return Err(Problem::conflict("invalid_state", format!("the incident is {}", incident.state.as_str())));
        }
        incident.state = IncidentState::NotRequired;
        incident.not_required_reason = Some(req.reason.clone());
        Ok(serde_json::json!({ "reason": req.reason }))
    })
    .await
}

#[utoipa::path(
    post, path = "/api/v1/breach/incidents/{id}/close", tag = "breach",
    params(("id" = Uuid, Path, description = "Incident id")), responses((status = 200, body = IncidentView),
        (status = 409, description = "The incident is not in a state this step applies to", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn close(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<IncidentView>> {
    change(&state, &staff, id, "closed", AffectedChange::Keep, |incident, _| {
        if !matches!(incident.state, IncidentState::CustomersNotified | IncidentState::NotRequired) {
            return Err(Problem::conflict(
                "invalid_state",
                "close after customers are notified or their notice is recorded as not required",
            ));
        }
        incident.state = IncidentState::Closed;
        Ok(serde_json::Value::Null)
    })
    .await
}
