//! The engine's decision (the action's slice of the set, entities and context built as
//! values) equals Cedar's decision on the full set, with the request's entities and
//! context read from JSON against the schema (which also checks that they conform to
//! it) and the schema's action entities with their hierarchy computed by Cedar: same
//! outcome, same deciding policies, same errors, over generated requests covering every
//! action, principal kind, purpose, channel and piece of evidence.

use crate::{
    AccountFacts, Action, CampaignFacts, CampaignReview, Channel, ConsentSummary, DEFAULT_DENY, Decision, Engine,
    Evidence, Principal, Purpose, Request, ReviewDecision,
};
use cedar_policy::{Authorizer, Context, Decision as CedarDecision, Entities, EntityUid};
use cpniguard_core::account::{AccountKind, DirectoryListing};
use cpniguard_core::staff::Role;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use serde_json::{Value, json};
use std::sync::LazyLock;

static ENGINE: LazyLock<Engine> = LazyLock::new(|| Engine::with_defaults().expect("the default set validates"));

fn reference(type_: &str, id: &str) -> Value {
    json!({ "__entity": { "type": format!("CpniGuard::{type_}"), "id": id } })
}

fn uid(type_: &str, id: &str) -> EntityUid {
    EntityUid::from_json(json!({ "type": format!("CpniGuard::{type_}"), "id": id })).expect("a uid")
}

fn principal_json(p: &Principal) -> Value {
    let (attrs, parents) = match p {
        Principal::Staff { roles, training_current, .. } => {
            let roles: Vec<Value> = roles.iter().map(|r| reference("Role", r.as_str())).collect();
            (json!({ "roles": roles, "training_current": training_current }), json!([]))
        }
        Principal::Customer { accounts, .. } => {
            let parents: Vec<Value> =
                accounts.iter().map(|a| json!({ "type": "CpniGuard::Account", "id": a })).collect();
            (json!({}), json!(parents))
        }
        Principal::Carrier { .. } => (json!({}), json!([])),
        Principal::SystemJob { job, .. } => (json!({ "job": job }), json!([])),
    };
    json!({ "uid": { "type": format!("CpniGuard::{}", p.type_name()), "id": p.id() }, "attrs": attrs, "parents": parents })
}

/// Cedar's decision over the engine's full set, put as the engine's [`Decision`] puts it.
fn full_set(
    engine: &Engine,
    entities: Value,
    action: &str,
    resource: EntityUid,
    principal: &Principal,
    context: Value,
) -> (bool, Vec<String>, Vec<String>) {
    let schema = engine.schema();
    let entities = Entities::from_json_value(entities, Some(schema)).expect("the entities conform to the schema");
    let action = uid("Action", action);
    let context = Context::from_json_value(context, Some((schema, &action))).expect("the context conforms");
    let principal = uid(principal.type_name(), principal.id());
    let request = cedar_policy::Request::new(principal, action, resource, context, Some(schema))
        .expect("a request the schema admits");
    let response = Authorizer::new().is_authorized(&request, engine.policy_set(), &entities);
    let allowed = response.decision() == CedarDecision::Allow;
    let mut ids: Vec<String> = response.diagnostics().reason().map(ToString::to_string).collect();
    ids.sort();
    if !allowed && ids.is_empty() {
        ids.push(DEFAULT_DENY.to_owned());
    }
    (allowed, ids, response.diagnostics().errors().map(ToString::to_string).collect())
}

fn assert_same(decision: &Decision, (allowed, ids, errors): (bool, Vec<String>, Vec<String>)) {
    assert_eq!(decision.allowed, allowed, "{decision:?}");
    assert_eq!(decision.deciding_policy_ids, ids, "{decision:?}");
    assert_eq!(decision.errors, errors, "{decision:?}");
}

fn full_set_decision(engine: &Engine, r: &Request) -> (bool, Vec<String>, Vec<String>) {
    let a = &r.account;
    let account = json!({
        "uid": { "type": "CpniGuard::Account", "id": a.id },
        "attrs": {
            "kind": reference("AccountKind", a.kind.as_str()),
            "business_exempt": a.business_exempt,
            "consent": {
                "carrier_marketing_usable": a.consent.carrier_marketing_usable,
                "partner_sharing_usable": a.consent.partner_sharing_usable,
                "one_time_usable": a.consent.one_time_usable,
            },
            "pic_freeze_any": a.pic_freeze_any,
            "directory_listing": reference("DirectoryListing", a.directory_listing.as_str()),
        },
        "parents": [],
    });
    let mut context = json!({
        "purpose": reference("Purpose", r.purpose.as_str()),
        "channel": reference("Channel", r.channel.as_str()),
        "evidence": serde_json::to_value(r.evidence).expect("evidence as JSON"),
    });
    if let Some(l) = &r.legal_process {
        context["legal_process"] = json!({ "reference": l.reference, "in_scope": l.in_scope });
    }
    if let Some(f) = &r.fraud_case_ref {
        context["fraud_case_ref"] = json!(f);
    }
    if let Some(c) = &r.campaign {
        context["campaign"] = json!({ "id": c.id, "approved": c.approved });
    }
    let entities = json!([principal_json(&r.principal), account]);
    full_set(engine, entities, r.action.as_str(), uid("Account", &a.id), &r.principal, context)
}

fn full_set_review(engine: &Engine, r: &CampaignReview) -> (bool, Vec<String>, Vec<String>) {
    let authors: Vec<Value> = r.campaign.authors.iter().map(|a| reference("Staff", a)).collect();
    let campaign = json!({
        "uid": { "type": "CpniGuard::Campaign", "id": r.campaign.id },
        "attrs": { "state": r.campaign.state, "authors": authors },
        "parents": [],
    });
    let context = json!({ "purpose": reference("ReviewPurpose", "campaign_review"), "decision": r.decision.as_str() });
    let entities = json!([principal_json(&r.reviewer), campaign]);
    full_set(engine, entities, "review_campaign", uid("Campaign", &r.campaign.id), &r.reviewer, context)
}

fn staff() -> impl Strategy<Value = Principal> {
    (select(&["staff-1", "staff-2"][..]), subsequence(Role::ALL, 0..=Role::ALL.len()), any::<bool>())
        .prop_map(|(id, roles, trained)| Principal::staff(id, &roles, trained))
}

fn principal() -> impl Strategy<Value = Principal> {
    prop_oneof![
        staff(),
        (select(&["cust-1"][..]), subsequence(&["acct-1", "acct-2"][..], 0..=2)).prop_map(|(id, accounts)| {
            Principal::Customer { id: id.to_owned(), accounts: accounts.into_iter().map(str::to_owned).collect() }
        }),
        Just(Principal::carrier("carrier-1")),
        select(&["billing", "directory_export", "marketing"][..]).prop_map(|job| Principal::job("job-1", job)),
    ]
}

fn account() -> impl Strategy<Value = AccountFacts> {
    (select(AccountKind::ALL), any::<[bool; 5]>(), select(DirectoryListing::ALL)).prop_map(|(kind, f, listing)| {
        AccountFacts {
            id: "acct-1".to_owned(),
            kind,
            business_exempt: f[0],
            consent: ConsentSummary {
                carrier_marketing_usable: f[1],
                partner_sharing_usable: f[2],
                one_time_usable: f[3],
            },
            pic_freeze_any: f[4],
            directory_listing: listing,
        }
    })
}

fn evidence() -> impl Strategy<Value = Evidence> {
    any::<[bool; 7]>().prop_map(|e| Evidence {
        password_verified: e[0],
        pin_verified: e[1],
        backup_answer_verified: e[2],
        photo_id_valid: e[3],
        call_back_completed: e[4],
        volunteered_call_details: e[5],
        contract_authenticated: e[6],
    })
}

fn request() -> impl Strategy<Value = Request> {
    let references = (any::<Option<bool>>(), any::<bool>(), any::<Option<bool>>());
    (principal(), select(Action::ALL), account(), select(Purpose::ALL), select(Channel::ALL), evidence(), references)
        .prop_map(|(principal, action, account, purpose, channel, evidence, (legal, fraud, campaign))| {
            let mut r = Request::new(principal, action, account, purpose).with_channel(channel).with_evidence(evidence);
            if let Some(in_scope) = legal {
                r = r.with_legal_process("subpoena-1", in_scope);
            }
            if fraud {
                r = r.with_fraud_case("fraud-1");
            }
            if let Some(approved) = campaign {
                r = r.with_campaign("spring", approved);
            }
            r
        })
}

fn review() -> impl Strategy<Value = CampaignReview> {
    let states = select(&["draft", "submitted", "approved"][..]);
    let authors = subsequence(&["staff-1", "staff-2"][..], 0..=2);
    (staff(), states, authors, select(ReviewDecision::ALL)).prop_map(|(reviewer, state, authors, decision)| {
        let campaign = CampaignFacts {
            id: "spring".to_owned(),
            state: state.to_owned(),
            authors: authors.into_iter().map(str::to_owned).collect(),
        };
        CampaignReview { reviewer, campaign, decision }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_decision_on_the_action_slice_equals_the_full_set_decision(r in request()) {
        assert_same(&ENGINE.decide(&r), full_set_decision(&ENGINE, &r));
    }

    #[test]
    fn a_campaign_review_on_its_slice_equals_the_full_set_decision(r in review()) {
        assert_same(&ENGINE.decide_campaign_review(&r), full_set_review(&ENGINE, &r));
    }
}

/// Every policy of the set is in the slice of at least one action, and every slice
/// leaves some policies out (else the comparison above would test nothing).
#[test]
fn every_policy_is_in_some_slice_and_slices_are_smaller_than_the_set() {
    let engine = &*ENGINE;
    let all = engine.policy_set().policies().count();
    let slices: Vec<_> = engine.slices().collect();
    for policy in engine.policy_set().policies() {
        assert!(slices.iter().any(|s| s.policies.policy(policy.id()).is_some()), "{} is in no slice", policy.id());
    }
    assert!(slices.iter().all(|s| s.policies.policies().count() < all));
}
