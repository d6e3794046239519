//! Explained refusals: a denied request gets a 403 naming the policies that decided it
//! and what would be allowed instead — the forbids' own advice, then the same request
//! put to the engine under the other purposes and as a delivery to the address of
//! record, so a CSR on a call hears what they *can* do.

use crate::problem::Problem;
use axum::http::StatusCode;
use cpniguard_policy::{Action, DEFAULT_DENY, Decision, Engine, Purpose, Request};

pub(super) fn explain(engine: &Engine, request: &Request, decision: &Decision, audit_seq: u64) -> Problem {
    let mut instead: Vec<String> = decision.advice.clone();
    instead.extend(alternatives(engine, request));
    let why = if decision.deciding_policy_ids.iter().any(|id| id == DEFAULT_DENY) {
        format!(
            "no policy allows {} for the purpose {} on the channel {} with the evidence given",
            request.action, request.purpose, request.channel
        )
    } else {
        decision.reasons.join(" ")
    };
    let mut detail = format!("refused: {}", why.trim_end_matches('.'));
    if let Some(first) = instead.first() {
        detail.push_str(&format!(". Instead: {first}"));
    }
    let mut problem = Problem::new(StatusCode::FORBIDDEN, "policy_denied", "Refused by the disclosure policy", detail);
    problem.deciding_policies = decision.deciding_policy_ids.clone();
    problem.allowed_instead = instead;
    problem.audit_seq = Some(audit_seq);
    problem
}

/// What the engine would allow for this principal and account instead: the same action
/// under another purpose that needs no references the caller lacks, or sending the
/// information to the address of record. Evaluated, never recorded: nothing is revealed.
fn alternatives(engine: &Engine, request: &Request) -> Vec<String> {
    let mut out = Vec::new();
    for purpose in Purpose::ALL.iter().copied().filter(|p| *p != request.purpose) {
        let other = Request { purpose, ..request.clone() };
        if engine.decide(&other).allowed {
            out.push(format!("{} is allowed for the purpose {purpose}", request.action));
        }
    }
    if request.action != Action::DeliverToAddressOfRecord {
        let deliver = Request { action: Action::DeliverToAddressOfRecord, ..request.clone() };
        if engine.decide(&deliver).allowed {
            out.push(
                "you may send the information to the customer's address of record \
                 (Send on the console's call screen, or POST /api/v1/interactions/{id}/deliveries)"
                    .to_owned(),
            );
        }
    }
    out
}
