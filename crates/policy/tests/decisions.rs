//! Table-driven decisions over the default policy set: `decisions.json` holds named
//! principals and accounts and one case per line of the table (request and expected
//! decision with its deciding policies). Coverage is checked too: every policy of the
//! default set decides at least one case, and every purpose and every channel has an
//! allowed and a denied case.

use cpniguard_policy::{CampaignReview, Channel, DEFAULT_DENY, Engine, Purpose, Request};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

struct Case {
    name: String,
    request: Request,
    allow: bool,
    deciding: Vec<String>,
}

fn cases() -> Vec<Case> {
    let table: Value = serde_json::from_str(include_str!("decisions.json")).expect("decisions.json parses");
    let cases = table["cases"].as_array().expect("cases");
    cases
        .iter()
        .map(|c| {
            let name = c["name"].as_str().expect("name").to_owned();
            let evidence: Map<String, Value> = c["evidence"]
                .as_array()
                .expect("evidence list")
                .iter()
                .map(|e| (e.as_str().expect("evidence name").to_owned(), Value::Bool(true)))
                .collect();
            let mut request = json!({
                "principal": table["principals"][c["principal"].as_str().expect("principal")],
                "action": c["action"],
                "account": table["accounts"][c["account"].as_str().expect("account")],
                "purpose": c["purpose"],
                "channel": c["channel"],
                "evidence": evidence,
            });
            for key in ["legal_process", "fraud_case_ref", "campaign"] {
                if let Some(v) = c.get(key) {
                    request[key] = v.clone();
                }
            }
            let request: Request =
                serde_json::from_value(request).unwrap_or_else(|e| panic!("case {name:?}: bad request: {e}"));
            let allow = match c["expect"].as_str() {
                Some("allow") => true,
                Some("deny") => false,
                other => panic!("case {name:?}: expect is {other:?}"),
            };
            let deciding = c["deciding"]
                .as_array()
                .expect("deciding")
                .iter()
                .map(|v| v.as_str().expect("id").to_owned())
                .collect();
            Case { name, request, allow, deciding }
        })
        .collect()
}

/// The campaign-review rows: `(name, review, allow, deciding)`.
fn review_cases() -> Vec<(String, CampaignReview, bool, Vec<String>)> {
    let table: Value = serde_json::from_str(include_str!("decisions.json")).expect("decisions.json parses");
    let cases = table["campaign_reviews"].as_array().expect("campaign_reviews");
    cases
        .iter()
        .map(|c| {
            let name = c["name"].as_str().expect("name").to_owned();
            let review = json!({
                "reviewer": table["principals"][c["principal"].as_str().expect("principal")],
                "campaign": table["campaigns"][c["campaign"].as_str().expect("campaign")],
                "decision": c["decision"],
            });
            let review: CampaignReview =
                serde_json::from_value(review).unwrap_or_else(|e| panic!("case {name:?}: bad review: {e}"));
            let allow = c["expect"] == "allow";
            let deciding = serde_json::from_value(c["deciding"].clone()).expect("deciding ids");
            (name, review, allow, deciding)
        })
        .collect()
}

#[test]
fn every_campaign_review_of_the_table_decides_as_expected() {
    let engine = Engine::with_defaults().expect("the default set validates");
    for (name, review, allow, deciding) in review_cases() {
        let d = engine.decide_campaign_review(&review);
        assert!(d.errors.is_empty(), "case {name:?}: evaluation errors {:?}", d.errors);
        assert_eq!((d.allowed, &d.deciding_policy_ids), (allow, &deciding), "case {name:?}");
        assert!(d.allowed || !d.advice.is_empty(), "case {name:?}: a refusal comes with advice");
    }
}

#[test]
fn every_case_of_the_table_decides_as_expected() {
    let engine = Engine::with_defaults().expect("the default set validates");
    let mut failures = Vec::new();
    let cases = cases();
    for case in &cases {
        let d = engine.decide(&case.request);
        assert!(d.errors.is_empty(), "case {:?}: evaluation errors {:?}", case.name, d.errors);
        assert_eq!(d.policy_set_hash, engine.policy_set_hash());
        if d.allowed != case.allow || d.deciding_policy_ids != case.deciding {
            failures.push(format!(
                "{:?}: expected {} by {:?}, got {} by {:?}",
                case.name,
                if case.allow { "allow" } else { "deny" },
                case.deciding,
                if d.allowed { "allow" } else { "deny" },
                d.deciding_policy_ids
            ));
        }
        if !d.allowed {
            assert!(!d.advice.is_empty(), "case {:?}: a refusal comes with advice", case.name);
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn every_policy_of_the_default_set_decides_some_case() {
    let engine = Engine::with_defaults().expect("the default set validates");
    let decided: BTreeSet<String> = cases()
        .into_iter()
        .flat_map(|c| c.deciding)
        .chain(review_cases().into_iter().flat_map(|(_, _, _, deciding)| deciding))
        .collect();
    let missing: Vec<&str> =
        engine.policies().into_iter().map(|p| p.id.as_str()).filter(|id| !decided.contains(*id)).collect();
    assert!(missing.is_empty(), "policies no case exercises: {missing:?}");
    assert!(decided.contains(DEFAULT_DENY));
}

#[test]
fn every_purpose_and_every_channel_has_an_allowed_and_a_denied_case() {
    let cases = cases();
    for purpose in Purpose::ALL {
        for allow in [true, false] {
            assert!(
                cases.iter().any(|c| c.request.purpose == *purpose && c.allow == allow),
                "no {} case for the purpose {purpose}",
                if allow { "allowed" } else { "denied" }
            );
        }
    }
    for channel in Channel::ALL {
        for allow in [true, false] {
            assert!(
                cases.iter().any(|c| c.request.channel == *channel && c.allow == allow),
                "no {} case for the channel {channel}",
                if allow { "allowed" } else { "denied" }
            );
        }
    }
}
