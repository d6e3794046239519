//! The API against its own OpenAPI document, as Schemathesis would check it: for every
//! documented operation, called as every role the product has (and with no
//! credentials), the documented examples, requests built from the schemas and
//! malformed ones. Every response must be: no 5xx, a status the operation documents, a
//! success body that validates against the documented schema, an error as
//! problem+json with the security headers and no internals. A property test feeds
//! arbitrary JSON to every operation that takes a body.
//!
//! Bounded by default (a fixed seed, a few generated requests per operation and role);
//! `CPNIGUARD_CONFORMANCE_CASES=<n>` sends n generated requests per operation and role
//! and `CPNIGUARD_CONFORMANCE_SEED=<n>` changes the seed, for a longer local run.

#[path = "../common/mod.rs"]
mod common;

mod bodies;
mod cases;
mod checks;
mod document;
mod generate;

use cases::{Body, Case, KnownIds};
use checks::Received;
use common::{TestServer, portal_session, servers};
use cpniguard_core::staff::Role;
use document::{Document, Operation};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Who calls.
pub struct Caller {
    pub name: &'static str,
    credential: Credential,
}

enum Credential {
    Bearer(String),
    Cookie(String),
    None,
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Every role the product has, a customer's portal session, and no credentials; and the
/// id of the customer's account.
pub async fn callers(s: &TestServer) -> (Vec<Caller>, String) {
    let account = s.account_opened("CONF-1", "+18015550777", "conformance@example.com", 60, false).await;
    let session = portal_session(s, &account.to_string(), "conformance@example.com", "a long online secret").await;
    let staff = |name, token: &String| Caller { name, credential: Credential::Bearer(token.clone()) };
    let mut out = vec![staff("admin", &s.admin), staff("csr", &s.csr), staff("marketing", &s.marketing)];
    for (name, role) in [
        ("supervisor", Role::Supervisor),
        ("privacy_officer", Role::PrivacyOfficer),
        ("auditor", Role::Auditor),
        ("carrier", Role::Carrier),
        ("billing", Role::Billing),
    ] {
        let token = s.staff_token(&format!("{name}.conformance"), role).await;
        out.push(Caller { name, credential: Credential::Bearer(token) });
    }
    out.push(Caller { name: "customer", credential: Credential::Cookie(session) });
    out.push(Caller { name: "nobody", credential: Credential::None });
    (out, account.to_string())
}

pub async fn send(s: &TestServer, caller: &Caller, op: &Operation, case: &Case) -> Received {
    let method = reqwest::Method::from_bytes(op.method.to_uppercase().as_bytes()).unwrap();
    let mut req = s.http.request(method, s.url(&case.target)).timeout(std::time::Duration::from_secs(30));
    req = match &caller.credential {
        Credential::Bearer(token) => req.bearer_auth(token),
        Credential::Cookie(cookie) => req.header("cookie", cookie),
        Credential::None => req,
    };
    req = match &case.body {
        Body::None => req,
        Body::Json(value) => req.json(value),
        Body::Raw { content_type, bytes } => req.header("content-type", *content_type).body(bytes.clone()),
    };
    let r = req.send().await.unwrap_or_else(|e| panic!("{} {}: {e}", op.name(), case.what));
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
    Received { status, headers, body }
}

/// Operations in path order (a collection's POST first, so its records exist for the
/// operations on one of them),, those that end the caller's session last.
fn in_order(doc: &Document) -> Vec<Operation> {
    let mut ops = doc.operations();
    ops.sort_by_key(|op| (op.path.ends_with("/logout"), op.path.clone(), op.method != "post"));
    ops
}

#[tokio::test]
async fn every_operation_answers_as_documented_for_every_role() {
    let generated = env_number("CPNIGUARD_CONFORMANCE_CASES", 2) as usize;
    let seed = env_number("CPNIGUARD_CONFORMANCE_SEED", 20);
    for s in servers().await {
        let mut doc = Document::fetch(&s).await;
        let (callers, account) = callers(&s).await;
        let max_body = s.state.config.server.max_body_bytes;
        let mut ids = KnownIds::default();
        ids.set("accounts", account);
        let mut rng = StdRng::seed_from_u64(seed);
        let (mut sent, mut failures) = (0usize, Vec::new());
        // Operations that answered some caller 2xx: the success schemas were checked
        // on real answers, not only refusals.
        let mut succeeded = std::collections::BTreeSet::new();
        let operations = in_order(&doc);
        for op in &operations {
            let mut probed = false;
            for caller in &callers {
                let mut cases = cases::well_formed(&doc, op, &ids, generated, &mut rng);
                let first = send(&s, caller, op, &cases[0]).await;
                let refused = matches!(first.status, 401 | 403);
                let malformed = cases::malformed(&doc, op, &cases[0], max_body, &mut rng);
                // A refused caller is refused before validation: one malformed request
                // shows it. The first caller admitted gets every malformed case; the
                // validation is the same for the others, who get the generated ones.
                let first_case = cases.remove(0);
                let rest: Vec<Case> = if refused {
                    malformed.into_iter().take(1).collect()
                } else if probed {
                    cases.into_iter().chain(malformed.into_iter().take(1)).collect()
                } else {
                    probed = true;
                    cases.into_iter().chain(malformed).collect()
                };
                let mut outcomes = vec![(first_case, first)];
                for case in rest {
                    let got = send(&s, caller, op, &case).await;
                    outcomes.push((case, got));
                }
                for (case, got) in outcomes {
                    sent += 1;
                    let mut problems = checks::check(&mut doc, op, &got);
                    if case.malformed && got.status < 400 {
                        problems.push(format!("the malformed request was answered {}", got.status));
                    }
                    if (200..300).contains(&got.status) {
                        succeeded.insert(op.name());
                        if let Some(body) = got.json() {
                            ids.learn(op, &body);
                        }
                    }
                    for problem in problems {
                        failures.push(format!(
                            "{} as {} ({}: {}): {problem}",
                            op.name(),
                            caller.name,
                            case.what,
                            case.target
                        ));
                    }
                }
            }
        }
        eprintln!(
            "{}: {sent} requests to {} operations, {} of them answered 2xx at least once",
            s.backend,
            operations.len(),
            succeeded.len()
        );
        assert!(operations.len() > 50, "only {} operations documented", operations.len());
        let never: Vec<String> = operations.iter().map(Operation::name).filter(|n| !succeeded.contains(n)).collect();
        eprintln!("{}: never answered 2xx: {}", s.backend, never.join(", "));
        assert!(
            succeeded.len() * 2 > operations.len(),
            "{}: only {} operations ever succeeded",
            s.backend,
            succeeded.len()
        );
        assert!(
            failures.is_empty(),
            "{}: {} of {sent} responses do not conform:\n{}",
            s.backend,
            failures.len(),
            failures.join("\n")
        );
    }
}

/// Each request example the document gives is accepted by a role the operation is for
/// (and refused only with 401 or 403 by the others).
#[tokio::test]
async fn every_documented_request_example_is_accepted() {
    for s in servers().await {
        let doc = Document::fetch(&s).await;
        let (callers, account) = callers(&s).await;
        let mut ids = KnownIds::default();
        ids.set("accounts", account);
        let mut rng = StdRng::seed_from_u64(env_number("CPNIGUARD_CONFORMANCE_SEED", 20));
        let mut checked = 0;
        for op in in_order(&doc) {
            for example in op.body_examples(&doc) {
                let target = cases::target(&doc, &op, &ids, &mut rng);
                let case =
                    Case { what: "documented example".into(), target, body: Body::Json(example), malformed: false };
                let mut answers = Vec::new();
                for caller in &callers {
                    let got = send(&s, caller, &op, &case).await;
                    if (200..300).contains(&got.status) {
                        ids.learn(&op, &got.json().unwrap_or_default());
                        answers.clear();
                        break;
                    }
                    let body = String::from_utf8_lossy(&got.body).into_owned();
                    assert!(
                        matches!(got.status, 401 | 403),
                        "{}: {} refused its example as {}: {body}",
                        s.backend,
                        op.name(),
                        caller.name
                    );
                    answers.push(caller.name);
                }
                assert!(answers.is_empty(), "{}: no caller may send {}'s example", s.backend, op.name());
                checked += 1;
            }
        }
        assert!(checked >= 4, "{}: only {checked} request examples documented", s.backend);
    }
}
