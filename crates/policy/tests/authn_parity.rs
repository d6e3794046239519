//! The Cedar channel rules agree with the pure rules of `cpniguard_core::authn`: for
//! every channel, every combination of evidence and both business exemptions, a
//! trained CSR may read call detail exactly when `what_proof_opens` says call detail is
//! open, and services exactly when it says other CPNI is open.

use cpniguard_core::authn::{CallDetailAccess, EvidenceKind, InteractionChannel, what_proof_opens};
use cpniguard_core::staff::Role;
use cpniguard_policy::{AccountFacts, Action, Engine, Evidence, Principal, Purpose, Request};

const KINDS: [EvidenceKind; 7] = [
    EvidenceKind::PasswordVerified,
    EvidenceKind::PinVerified,
    EvidenceKind::BackupAnswerVerified,
    EvidenceKind::PhotoIdChecked,
    EvidenceKind::CallBackCompleted,
    EvidenceKind::VolunteeredCallDetails,
    EvidenceKind::AuthenticatedUnderContract,
];

#[test]
fn cedar_channel_rules_match_what_proof_opens() {
    let engine = Engine::with_defaults().expect("defaults");
    let mut checked = 0;
    for channel in InteractionChannel::ALL {
        for mask in 0u32..(1 << KINDS.len()) {
            let evidence: Vec<EvidenceKind> =
                KINDS.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, k)| *k).collect();
            for exempt in [false, true] {
                let opens = what_proof_opens(*channel, &evidence, exempt);
                let account = AccountFacts { business_exempt: exempt, ..AccountFacts::residential("acct-1") };
                for (action, expected) in [
                    (Action::ReadCallDetail, opens.call_detail == CallDetailAccess::Open),
                    (Action::ReadServices, opens.other_cpni),
                ] {
                    let request = Request::new(
                        Principal::staff("csr-1", &[Role::Csr], true),
                        action,
                        account.clone(),
                        Purpose::ServiceAndSupport,
                    )
                    .with_channel((*channel).into())
                    .with_evidence(Evidence::from_kinds(&evidence));
                    let d = engine.decide(&request);
                    assert_eq!(
                        d.allowed, expected,
                        "{channel} {evidence:?} exempt={exempt} {action}: cedar {:?}, authn {opens:?}",
                        d.deciding_policy_ids
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 4 * 128 * 2 * 2);
}
