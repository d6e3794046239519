//! `Store::disclosure_facts`: the gate's one read equals the separate reads it
//! replaces, whatever interaction is named.

use super::consent::{event, notice_event};
use super::fixtures::{DAY, at, create};
use crate::auth::{Evidence, Interaction};
use crate::consent::ConsentChange;
use crate::{DisclosureFacts, Store};
use cpniguard_core::authn::{EvidenceKind, InteractionChannel};
use cpniguard_core::consent::{ConsentEventKind, PARTNER_SHARING};
use cpniguard_core::ids::{AccountId, StaffId};
use uuid::Uuid;

async fn open(store: &dyn Store, account: AccountId, evidence: &[EvidenceKind]) -> Interaction {
    let interaction = Interaction {
        id: Uuid::now_v7(),
        account_id: account,
        channel: InteractionChannel::Phone,
        staff_id: Some(StaffId::new()),
        opened_at: at(0),
        expires_at: at(1800),
    };
    store.open_interaction(&interaction).await.unwrap();
    for (n, kind) in (0..).zip(evidence) {
        let piece = Evidence { kind: *kind, detail: Some(format!("piece {n}")), recorded_at: at(10 - n) };
        store.add_evidence(interaction.id, &piece).await.unwrap();
    }
    interaction
}

/// The account's profile, its consent history and the named interaction (of whichever
/// account, or none) with its evidence in the order it was added: exactly what
/// `get_account`, `consent_history`, `get_interaction` and `list_evidence` say.
pub async fn disclosure_facts_join_the_separate_reads(store: &dyn Store) {
    let a = create(store, "FACT-1001", "Facts Holder", &["+18015551001"]).await;
    let b = create(store, "FACT-1002", "Someone Else", &["+18015551002"]).await;
    let events = vec![notice_event(a.id, at(DAY)), event(a.id, PARTNER_SHARING, ConsentEventKind::OptIn, at(2 * DAY))];
    store.record_consent(&ConsentChange { events, notices: Vec::new(), quarantine: None }, at(2 * DAY)).await.unwrap();
    let proofs = [EvidenceKind::PhotoIdChecked, EvidenceKind::PinVerified, EvidenceKind::CallBackCompleted];
    let verified = open(store, a.id, &proofs).await;
    let bare = open(store, a.id, &[]).await;
    let elsewhere = open(store, b.id, &[EvidenceKind::PinVerified]).await;

    let expected = |interaction: Option<Uuid>| async move {
        let found = match interaction {
            Some(id) => match store.get_interaction(id).await.unwrap() {
                Some(i) => Some((i, store.list_evidence(id).await.unwrap())),
                None => None,
            },
            None => None,
        };
        DisclosureFacts {
            profile: store.get_account(a.id).await.unwrap().unwrap().profile,
            consent_history: store.consent_history(a.id).await.unwrap(),
            interaction: found,
        }
    };
    for named in [Some(verified.id), Some(bare.id), Some(elsewhere.id), Some(Uuid::now_v7()), None] {
        let facts = store.disclosure_facts(a.id, named).await.unwrap().expect("the account exists");
        assert_eq!(facts, expected(named).await, "interaction {named:?}");
    }
    let facts = store.disclosure_facts(a.id, Some(verified.id)).await.unwrap().unwrap();
    assert_eq!(facts.consent_history.len(), 2);
    let (interaction, evidence) = facts.interaction.unwrap();
    assert_eq!(interaction, verified);
    assert_eq!(evidence.iter().map(|e| e.kind).collect::<Vec<_>>(), proofs);
    assert_eq!(store.disclosure_facts(b.id, Some(bare.id)).await.unwrap().unwrap().interaction.unwrap().1, []);
    assert!(store.disclosure_facts(b.id, None).await.unwrap().unwrap().consent_history.is_empty());
    assert_eq!(store.disclosure_facts(AccountId::new(), Some(verified.id)).await.unwrap(), None);
}
