//! The properties put to the cvc5 solver: the default set proves every one; a set that
//! permits call detail to everyone is refuted, with counterexamples the engine decides
//! as allowed. Needs cvc5 (`$CVC5` or on `PATH`), as CI installs it.

use cpniguard_policy::prove::{Outcome, PROPERTIES, Solver, prove};
use cpniguard_policy::{Action, Channel, Engine, LoadMode, PolicySource, Principal, Request, default_sources};

fn solver() -> Solver {
    Solver::find().unwrap_or_else(|e| panic!("these tests need the solver: {e}"))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

#[test]
fn the_default_set_proves_every_property() {
    let engine = Engine::with_defaults().expect("defaults");
    let report = runtime().block_on(prove(&engine, &solver())).expect("prove");
    let refuted: Vec<String> = report
        .results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Proved => None,
            Outcome::Refuted(c) => Some(format!("{}: {:?}\n{}", r.property.name, c.request, c.cedar)),
        })
        .collect();
    assert!(refuted.is_empty(), "refuted:\n{}", refuted.join("\n"));
    assert_eq!(report.results.len(), PROPERTIES.len());
    assert_eq!(report.policy_set_hash, engine.policy_set_hash());
}

const EVERYONE_READS_CALL_DETAIL: &str = r#"
@id("everyone-reads-call-detail")
@description("Wrong on purpose: anyone may read call detail, anywhere, with no evidence.")
permit (principal, action == CpniGuard::Action::"read_call_detail", resource);
"#;

#[test]
fn a_set_that_permits_call_detail_to_everyone_is_refuted_with_requests_it_allows() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("wrong.cedar"), EVERYONE_READS_CALL_DETAIL).expect("write");
    let engine = Engine::with_directory(dir.path(), LoadMode::Replace).expect("validates");
    let report = runtime().block_on(prove(&engine, &solver())).expect("prove");
    assert!(!report.all_proved());
    let refuted = report.refuted();
    for expected in [
        "call-detail-by-phone-or-chat-needs-password-or-call-back",
        "call-detail-in-store-needs-photo-id",
        "call-detail-online-needs-password",
        "no-cpni-to-untrained-staff",
        // Another carrier reading call detail.
        "disclosure-only-in-listed-circumstances",
        "within-the-hard-lines",
    ] {
        assert!(refuted.contains(&expected), "{expected} not refuted: {refuted:?}");
    }
    // Nothing in the wrong set touches marketing, nor can it error.
    for proved in ["marketing-needs-approval-of-its-tier", "never-errors"] {
        assert!(!refuted.contains(&proved), "{proved} refuted");
    }
    for result in &report.results {
        let Outcome::Refuted(cex) = &result.outcome else { continue };
        let request: &Request = cex.request.as_ref().expect("a CPNI counterexample has a gate request form");
        assert_eq!(request.action, Action::ReadCallDetail, "{}", result.property.name);
        let decision = engine.decide(request);
        assert!(decision.allowed, "{}: the engine denies its counterexample", result.property.name);
        assert_eq!(decision.deciding_policy_ids, ["everyone-reads-call-detail"]);
        assert_eq!(cex.decision.as_ref().map(|d| d.allowed), Some(true));
        // The counterexample is in the region the property forbids.
        match result.property.name {
            "call-detail-by-phone-or-chat-needs-password-or-call-back" => {
                assert!(matches!(request.channel, Channel::Phone | Channel::Chat));
                assert!(!request.evidence.password_verified && !request.evidence.call_back_completed);
            }
            "call-detail-in-store-needs-photo-id" => {
                assert_eq!(request.channel, Channel::InStore);
                assert!(!request.evidence.photo_id_valid);
            }
            "call-detail-online-needs-password" => {
                assert_eq!(request.channel, Channel::Online);
                assert!(!request.evidence.password_verified);
            }
            "no-cpni-to-untrained-staff" => {
                assert!(matches!(request.principal, Principal::Staff { training_current: false, .. }));
            }
            "disclosure-only-in-listed-circumstances" => {
                assert!(matches!(request.principal, Principal::Carrier { .. }));
            }
            _ => {}
        }
        // Its JSON is what `policy explain --request` reads.
        let json = serde_json::to_string(request).expect("serialize");
        assert_eq!(&serde_json::from_str::<Request>(&json).expect("reads back"), request);
    }
}

#[test]
fn a_file_that_is_not_cvc5_is_not_taken_for_the_solver() {
    let err = Solver::at(std::path::Path::new("/bin/true")).expect_err("not cvc5");
    assert!(err.to_string().contains("is not cvc5"), "{err}");
    let err = Solver::at(std::path::Path::new("/nonexistent/cvc5")).expect_err("absent");
    assert!(err.to_string().contains("no SMT solver") && err.to_string().contains("does not run"), "{err}");
}

#[test]
fn without_the_phone_hard_line_the_default_set_breaks_the_phone_rule() {
    // The permits for support and billing each demand the password or a call back, but
    // legal process and fraud reads name no channel: only the hard line covers them.
    let sources: Vec<PolicySource> = default_sources()
        .into_iter()
        .map(|mut s| {
            if s.name == "hard_lines.cedar" {
                let from = s.text.find("@id(\"no-cpni-to-untrained-staff\")").expect("the training hard line");
                s.text = s.text[from..].to_owned();
            }
            s
        })
        .collect();
    let engine = Engine::from_sources(&sources).expect("validates");
    let report = runtime().block_on(prove(&engine, &solver())).expect("prove");
    assert_eq!(report.refuted(), ["call-detail-by-phone-or-chat-needs-password-or-call-back", "within-the-hard-lines"]);
    let Outcome::Refuted(cex) = &report.results[0].outcome else { unreachable!("refuted above") };
    let request = cex.request.as_ref().expect("a gate request");
    assert!(matches!(request.channel, Channel::Phone | Channel::Chat));
    let decision = engine.decide(request);
    assert!(decision.allowed, "{decision:?}");
    assert!(
        decision.deciding_policy_ids.iter().any(|id| id == "legal-process-disclosure" || id == "fraud-investigation"),
        "{decision:?}"
    );
}
