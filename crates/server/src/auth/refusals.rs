//! Every request to a CPNI route leaves exactly one audit entry, whatever answers it.
//! The gate records its own decisions; this layer records the refusals that happen
//! before or beside it — the role table (403), request validation (422, 400), an
//! unknown account or record (404), a store failure — so an auditor sees every attempt
//! on CPNI, not only those that reached the gate. A request with no valid identity is
//! counted per source and minute instead (`auth::unidentified`), so a flood cannot
//! flood the chain.
//!
//! Whether anything wrote an entry for the request is tracked in a task-local flag
//! that the gate sets when it appends one (`mark_audited`): a request the gate allowed
//! and a later step failed has its entry already, and gets no second one.

use crate::api::cpni_routes;
use crate::auth::CurrentStaff;
use crate::auth::customer::{self, CurrentCustomer};
use crate::auth::unidentified::Unidentified;
use crate::gate::{Caller, event_record};
use crate::problem::{Problem, ProblemCode};
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cpniguard_core::audit::Decision;
use cpniguard_core::ids::{AccountId, InteractionId};
use cpniguard_core::staff::Staff;
use std::cell::Cell;

/// The audit action of a refusal made outside the gate.
pub const REFUSED_ACTION: &str = "cpni_request.refused";

tokio::task_local! {
    static AUDITED: Cell<bool>;
}

/// Note that the current request has its audit entry (called by the gate).
pub fn mark_audited() {
    let _ = AUDITED.try_with(|flag| flag.set(true));
}

/// Who made the request, as far as it was established.
enum Identity {
    Staff(Staff),
    Customer(CurrentCustomer),
    /// No live session: counted per source (the client's key) and minute instead.
    Unidentified(String),
}

/// Route layer for the staff API: inside `authenticate` (the staff member is known),
/// outside the role table.
pub async fn staff(State(state): State<AppState>, req: Request, next: Next) -> Response {
    audit_refusal(state, req, next, |req| {
        let staff = req.extensions().get::<CurrentStaff>().map(|s| s.0.clone());
        async move { staff.map(Identity::Staff) }
    })
    .await
}

/// Route layer for the portal's CPNI routes, which authenticate the customer in the
/// handler: the session is looked up again only when the request was refused.
pub async fn portal(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let lookup = state.clone();
    audit_refusal(state, req, next, move |req| {
        let token = customer::session_token_of(req.headers());
        let client = crate::auth::client::ClientIp::of(req.extensions(), req.headers(), &lookup).key();
        async move {
            let customer = match token {
                Some(token) => customer::resolve(&lookup, &token).await.ok().flatten(),
                None => None,
            };
            Some(customer.map_or(Identity::Unidentified(client), Identity::Customer))
        }
    })
    .await
}

/// Route layer for the console's CPNI fragments, inside its role check (the staff
/// member is known; the role table's own refusals are recorded by
/// `console::session::require`).
pub async fn console(State(state): State<AppState>, req: Request, next: Next) -> Response {
    audit_refusal(state, req, next, |req| {
        let staff = req.extensions().get::<crate::console::session::ConsoleStaff>().map(|c| c.staff.clone());
        async move { staff.map(Identity::Staff) }
    })
    .await
}

/// Run the request; when it is refused with nothing recorded, record it. `identify`
/// takes what it needs from the request before it runs, and is awaited only for a
/// refusal (`None`: no identity to record, which the staff layers never see).
async fn audit_refusal<I, Fut>(state: AppState, req: Request, next: Next, identify: I) -> Response
where
    I: FnOnce(&Request) -> Fut,
    Fut: std::future::Future<Output = Option<Identity>>,
{
    let Some(route) = req.extensions().get::<MatchedPath>().cloned() else {
        return next.run(req).await;
    };
    // The console applies this layer to its CPNI fragments only; the API's routes are
    // looked up in the OpenAPI document.
    if !route.as_str().starts_with("/console/") && !cpni_routes::is_cpni(req.method(), route.as_str()) {
        return next.run(req).await;
    }
    let (method, uri) = (req.method().clone(), req.uri().clone());
    let request_id = req.headers().get("x-request-id").cloned();
    let identity = identify(&req);
    let (response, audited) = AUDITED
        .scope(Cell::new(false), async {
            let response = next.run(req).await;
            (response, AUDITED.with(Cell::get))
        })
        .await;
    let status = response.status();
    if audited || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let caller = match identity.await {
        Some(Identity::Staff(staff)) => Caller::Staff(staff),
        Some(Identity::Customer(c)) => {
            Caller::Customer { account: c.account_id, interaction: InteractionId(c.interaction_id) }
        }
        Some(Identity::Unidentified(client)) => {
            state.unidentified.count(&state, Unidentified::PortalSession, &client).await;
            return response;
        }
        None => return response,
    };
    let refused = Refused {
        route: format!("{method} {}", route.as_str()),
        account: account_in_path(route.as_str(), uri.path()),
        request_id: request_id.and_then(|v| v.to_str().ok().map(str::to_owned)),
        status: status.as_u16(),
        code: response.extensions().get::<ProblemCode>().map_or("error", |c| c.0),
    };
    match record(&state, &caller, refused).await {
        Ok(()) => response,
        Err(unrecorded) => unrecorded.into_response(),
    }
}

/// A request refused outside the gate, as its audit entry names it.
pub struct Refused {
    /// `METHOD /route/{template}`.
    pub route: String,
    pub account: Option<AccountId>,
    pub request_id: Option<String>,
    pub status: u16,
    pub code: &'static str,
}

/// Append the refusal's entry (decision `deny`); a refusal that cannot be recorded is
/// answered 503 instead.
pub async fn record(state: &AppState, caller: &Caller, refused: Refused) -> Result<(), Problem> {
    let mut refs = vec![
        format!("route:{}", refused.route),
        format!("status:{}", refused.status),
        format!("problem:{}", refused.code),
    ];
    if let Some(id) = &refused.request_id {
        refs.push(format!("request:{id}"));
    }
    let mut entry = event_record(caller, REFUSED_ACTION, refused.account, refs, state.now());
    entry.decision = Decision::Deny;
    entry.request_id = refused.request_id;
    state.gate.record_event(entry).await.map(|_| ()).map_err(|e| {
        tracing::error!(error = %e, "a refused CPNI request could not be audited");
        Problem::unavailable("the request was refused, and the refusal could not be recorded in the audit log")
    })
}

/// The account a route names in its path (`/accounts/{id}/…`), when it parses as one.
fn account_in_path(route: &str, path: &str) -> Option<AccountId> {
    let template: Vec<&str> = route.split('/').collect();
    let actual: Vec<&str> = path.split('/').collect();
    let at = template.windows(2).position(|w| w == ["accounts", "{id}"])? + 1;
    actual.get(at)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::account_in_path;

    #[test]
    fn the_account_is_read_from_an_accounts_path_only() {
        let id = "0190a4c0-0000-7000-8000-000000000001";
        assert!(account_in_path("/api/v1/accounts/{id}/calls", &format!("/api/v1/accounts/{id}/calls")).is_some());
        assert!(account_in_path("/api/v1/accounts/{id}/calls", "/api/v1/accounts/not-an-id/calls").is_none());
        assert!(
            account_in_path("/api/v1/interactions/{id}/deliveries", &format!("/api/v1/interactions/{id}/deliveries"))
                .is_none()
        );
    }
}
