//! Loading a carrier's directory of `.cedar` files: extend, replace, and refusals of
//! sets that fail validation, lack annotations or reuse ids. Advice comes from the rules.

use cpniguard_core::authn::EvidenceKind;
use cpniguard_core::staff::Role;
use cpniguard_policy::{
    AccountFacts, Action, Channel, DEFAULT_POLICIES, Engine, Evidence, LoadMode, PolicyError, Principal, Purpose,
    Request,
};
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write policy file");
}

fn phone_call_detail(evidence: &[EvidenceKind]) -> Request {
    Request::new(
        Principal::staff("csr-1", &[Role::Csr], true),
        Action::ReadCallDetail,
        AccountFacts::residential("acct-1"),
        Purpose::ServiceAndSupport,
    )
    .with_channel(Channel::Phone)
    .with_evidence(Evidence::from_kinds(evidence))
}

const AUDITOR_READS: &str = r#"
@id("auditor-reads-services")
@description("Auditors may read services for a review.")
permit (principal is CpniGuard::Staff, action == CpniGuard::Action::"read_services", resource)
when { principal.roles.contains(CpniGuard::Role::"auditor") && context.purpose == CpniGuard::Purpose::"service_and_support" };
"#;

#[test]
fn refusals_name_the_rule_and_carry_its_advice() {
    let engine = Engine::with_defaults().expect("defaults");
    let d = engine.decide(&phone_call_detail(&[EvidenceKind::PinVerified]));
    assert!(!d.allowed);
    assert_eq!(d.deciding_policy_ids, ["no-call-detail-by-phone-without-password"]);
    assert_eq!(
        d.advice_text().as_deref(),
        Some(
            "call detail over the phone needs the account password; you may send it to the address of record or call back the number of record"
        )
    );
    let d = engine.decide(&phone_call_detail(&[EvidenceKind::PasswordVerified]));
    assert!(d.allowed && d.advice.is_empty());
    assert!(d.reasons[0].contains("password"));
}

#[test]
fn the_default_set_is_annotated_and_its_hash_is_stable() {
    let a = Engine::with_defaults().expect("defaults");
    let b = Engine::with_defaults().expect("defaults");
    assert_eq!(a.policy_set_hash(), b.policy_set_hash());
    assert!(a.policy_set_hash().starts_with("sha256:") && a.policy_set_hash().len() == 7 + 64);
    for p in a.policies() {
        assert!(!p.description.is_empty(), "{}", p.id);
        if p.effect == "forbid" {
            assert!(p.advice.is_some(), "forbid {} has no @advice", p.id);
        }
    }
}

#[test]
fn a_directory_extends_or_replaces_the_default_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "auditor.cedar", AUDITOR_READS);
    let request = Request::new(
        Principal::staff("aud-1", &[Role::Auditor], true),
        Action::ReadServices,
        AccountFacts::residential("acct-1"),
        Purpose::ServiceAndSupport,
    );
    let defaults = Engine::with_defaults().expect("defaults");
    assert!(!defaults.decide(&request).allowed);
    let extended = Engine::with_directory(dir.path(), LoadMode::Extend).expect("extends");
    assert_ne!(extended.policy_set_hash(), defaults.policy_set_hash());
    let d = extended.decide(&request);
    assert_eq!((d.allowed, d.deciding_policy_ids.as_slice()), (true, &["auditor-reads-services".to_owned()][..]));
    // The hard lines still hold in an extended set.
    let untrained = Request { principal: Principal::staff("aud-2", &[Role::Auditor], false), ..request.clone() };
    assert_eq!(extended.decide(&untrained).deciding_policy_ids, ["no-cpni-to-untrained-staff"]);
    // A replacement set has only what the directory says.
    let replaced = Engine::with_directory(dir.path(), LoadMode::Replace).expect("replaces");
    assert_eq!(replaced.policies().len(), 1);
    assert!(replaced.decide(&untrained).allowed);
    assert!(!replaced.decide(&phone_call_detail(&[EvidenceKind::PasswordVerified])).allowed);
}

#[test]
fn a_copy_of_the_default_set_validates_as_a_replacement() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in DEFAULT_POLICIES {
        write(dir.path(), name, text);
    }
    let replaced = Engine::with_directory(dir.path(), LoadMode::Replace).expect("replaces");
    assert_eq!(replaced.policy_set_hash(), Engine::with_defaults().expect("defaults").policy_set_hash());
}

#[test]
fn invalid_sets_are_refused_with_the_validation_message() {
    let cases = [
        (
            "typo.cedar",
            "@id(\"typo\")\n@description(\"d\")\npermit (principal, action, resource) when { resource.listing == \"listed\" };",
            "listing",
        ),
        ("noid.cedar", "@description(\"d\")\npermit (principal, action, resource);", "@id"),
        ("nodesc.cedar", "@id(\"x\")\npermit (principal, action, resource);", "@description"),
        ("syntax.cedar", "@id(\"x\")\n@description(\"d\")\npermit (principal, action resource);", "syntax.cedar"),
        ("dup.cedar", &AUDITOR_READS.repeat(2), "auditor-reads-services"),
        (
            "type.cedar",
            "@id(\"t\")\n@description(\"d\")\npermit (principal is CpniGuard::Robot, action, resource);",
            "Robot",
        ),
    ];
    for (name, text, needle) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), name, text);
        let err = Engine::with_directory(dir.path(), LoadMode::Extend).expect_err(name);
        let message = err.to_string();
        assert!(message.contains(needle), "{name}: {message}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "hard_lines_again.cedar", DEFAULT_POLICIES[0].1);
    assert!(matches!(Engine::with_directory(dir.path(), LoadMode::Extend), Err(PolicyError::DuplicateId(_))));
    let empty = tempfile::tempdir().expect("tempdir");
    assert!(matches!(Engine::with_directory(empty.path(), LoadMode::Replace), Err(PolicyError::Empty(_))));
}

#[test]
fn the_engine_can_be_shared_between_request_handlers() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<Engine>();
}

/// The members of `entity NAME enum [...]` in the schema.
fn schema_enum(name: &str) -> Vec<String> {
    let start = cpniguard_policy::SCHEMA.find(&format!("entity {name} enum [")).expect(name) + name.len() + 14;
    let list = &cpniguard_policy::SCHEMA[start..];
    list[..list.find(']').expect("closing bracket")].split(',').map(|m| m.trim().trim_matches('"').to_owned()).collect()
}

#[test]
fn the_schema_vocabularies_are_the_rust_enums() {
    use cpniguard_core::account::{AccountKind, DirectoryListing};
    let names = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(schema_enum("Purpose"), names(Purpose::ALL.iter().map(|p| p.as_str()).collect()));
    assert_eq!(schema_enum("Channel"), names(Channel::ALL.iter().map(|c| c.as_str()).collect()));
    assert_eq!(schema_enum("AccountKind"), names(AccountKind::ALL.iter().map(|k| k.as_str()).collect()));
    assert_eq!(schema_enum("DirectoryListing"), names(DirectoryListing::ALL.iter().map(|d| d.as_str()).collect()));
    assert_eq!(schema_enum("Role"), names(Role::ALL.iter().map(|r| r.as_str()).collect()));
}
