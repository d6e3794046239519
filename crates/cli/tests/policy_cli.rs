//! `cpniguard policy check`, `prove` and `explain` as an operator runs them, and the
//! server refusing a policy directory that does not validate or does not prove. The
//! proofs need cvc5 (`$CVC5` or on `PATH`), as CI installs it.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn cpniguard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cpniguard"))
        .env_remove("CPNIGUARD_CONFIG")
        .args(args)
        .output()
        .expect("run cpniguard")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const EXTRA: &str = r#"
@id("auditor-reads-services")
@description("Auditors may read services for a review.")
permit (principal is CpniGuard::Staff, action == CpniGuard::Action::"read_services", resource)
when { principal.roles.contains(CpniGuard::Role::"auditor") && context.purpose == CpniGuard::Purpose::"service_and_support" };
"#;

const PHONE_PIN_CALL_DETAIL: &str = r#"{
  "principal": {"type": "staff", "id": "csr-1", "roles": ["csr"], "training_current": true},
  "action": "read_call_detail",
  "account": {"id": "acct-1", "kind": "residential", "directory_listing": "listed"},
  "purpose": "service_and_support",
  "channel": "phone",
  "evidence": {"pin_verified": true}
}"#;

const AUDITOR_SERVICES: &str = r#"{
  "principal": {"type": "staff", "id": "aud-1", "roles": ["auditor"], "training_current": true},
  "action": "read_services",
  "account": {"id": "acct-1", "kind": "residential", "directory_listing": "listed"},
  "purpose": "service_and_support"
}"#;

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

#[test]
fn check_accepts_a_valid_directory_and_refuses_an_invalid_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("auditor.cedar"), EXTRA).expect("write");
    let out = cpniguard(&["policy", "check", path(dir.path())]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("ok") && text(&out.stdout).contains("sha256:"));
    assert!(text(&out.stdout).contains("8 properties: 8 proved, 0 refuted"), "{}", text(&out.stdout));
    // Alone, the auditors' permit validates but lets untrained auditors read: the
    // default set's training hard line is gone, and the proof says so.
    let out = cpniguard(&["policy", "check", "--replace", path(dir.path())]);
    assert!(!out.status.success());
    assert!(text(&out.stdout).contains("1 policies"), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("REFUTED  no-cpni-to-untrained-staff"), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("refuted: no-cpni-to-untrained-staff"), "{}", text(&out.stderr));

    let bad = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        bad.path().join("bad.cedar"),
        "@id(\"bad\")\n@description(\"d\")\npermit (principal, action, resource) when { resource.listing == \"x\" };",
    )
    .expect("write");
    let out = cpniguard(&["policy", "check", path(bad.path())]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("fails validation") && err.contains("bad") && err.contains("listing"), "{err}");
}

#[test]
fn explain_prints_the_decision_its_policies_and_advice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let request = dir.path().join("request.json");
    std::fs::write(&request, PHONE_PIN_CALL_DETAIL).expect("write");
    let out = cpniguard(&["policy", "explain", "--request", path(&request)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["allowed"], false);
    assert_eq!(v["deciding_policy_ids"][0], "no-call-detail-by-phone-without-password");
    assert_eq!(v["policies"][0]["effect"], "forbid");
    assert!(v["advice"][0].as_str().expect("advice").contains("address of record"));
    assert!(v["policy_set_hash"].as_str().expect("hash").starts_with("sha256:"));

    // With an extra directory, a new permit decides.
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).expect("mkdir");
    std::fs::write(policies.join("auditor.cedar"), EXTRA).expect("write");
    std::fs::write(&request, AUDITOR_SERVICES).expect("write");
    let out = cpniguard(&["policy", "explain", "--request", path(&request)]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!((v["allowed"].clone(), v["deciding_policy_ids"][0].clone()), (false.into(), "default-deny".into()));
    let out = cpniguard(&["policy", "explain", "--request", path(&request), "--policies", path(&policies)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["allowed"], true);
    assert_eq!(v["policies"][0]["id"], "auditor-reads-services");
}

#[test]
fn explain_refuses_a_malformed_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let request = dir.path().join("request.json");
    std::fs::write(&request, r#"{"action": "read_everything"}"#).expect("write");
    let out = cpniguard(&["policy", "explain", "--request", path(&request)]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("not a valid policy request"), "{}", text(&out.stderr));
}

#[test]
fn serve_refuses_to_start_on_a_policy_directory_that_does_not_validate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).expect("mkdir");
    std::fs::write(
        policies.join("typo.cedar"),
        "@id(\"typo\")\n@description(\"d\")\npermit (principal, action, resource) when { resource.listing == \"x\" };",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_cpniguard"))
        .env_remove("CPNIGUARD_CONFIG")
        .env("CPNIGUARD_DATABASE__URL", format!("sqlite://{}", dir.path().join("db.sqlite").display()))
        .env("CPNIGUARD_POLICY__DIRECTORY", path(&policies))
        .env("CPNIGUARD_SERVER__LISTEN", "127.0.0.1:0")
        .args(["init", "--dir", path(dir.path())])
        .output()
        .expect("init");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = Command::new(env!("CARGO_BIN_EXE_cpniguard"))
        .current_dir(dir.path())
        .env_remove("CPNIGUARD_CONFIG")
        .env("CPNIGUARD_DATABASE__URL", format!("sqlite://{}", dir.path().join("db.sqlite").display()))
        .env("CPNIGUARD_POLICY__DIRECTORY", path(&policies))
        .env("CPNIGUARD_SERVER__LISTEN", "127.0.0.1:0")
        .args(["serve"])
        .output()
        .expect("serve");
    assert!(!out.status.success(), "the server must not start");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("policy") && stderr.contains("typo.cedar"), "{stderr}");
}
