//! Marketing campaigns over HTTP on every backend: the review workflow and separation
//! of duties (nobody approves a campaign they created or edited; an edit after approval
//! sends it back to review), audience exclusion for each approval state and each
//! sponsor tier with the snapshot kept per computation, exports with contact points
//! only, records kept through retention, the privacy officer's report and the
//! third-party access log.

mod common;

use chrono::{Days, Duration, Utc};
use common::{TestServer, new_account_body, servers};
use cpniguard_core::audit::{AuditRecord, Decision, Principal, PrincipalKind};
use cpniguard_core::ids::{AccountId, StaffId};
use cpniguard_core::staff::{NewStaff, Role, Username};
use cpniguard_server::auth::tokens;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;

async fn token(s: &TestServer, username: &str, roles: &[Role]) -> String {
    let new = NewStaff {
        username: Username::parse(username).unwrap(),
        display_name: username.to_owned(),
        roles: roles.iter().copied().collect(),
        training_completed_on: Utc::now().date_naive().checked_sub_days(Days::new(10)),
    };
    let staff = s.store.create_staff(StaffId::new(), &new, Utc::now()).await.unwrap();
    let token = tokens::generate();
    s.store.add_staff_token(staff.id, &tokens::hash(&token), "test", Utc::now()).await.unwrap();
    token
}

fn campaign_body(sponsor: &str) -> Value {
    json!({
        "name": "Larga distancia",
        "description": "A long-distance plan for Spanish-speaking households",
        "sponsor": sponsor,
        "sponsor_name": if sponsor == "carrier" { Value::Null } else { json!("Acme Partners") },
        "cpni_categories": ["call_detail", "services_and_configuration"],
        "criteria": {"account_kind": "residential", "language": "es"},
        "offers": ["LD Saver"],
        "channels": ["email", "post"],
        "starts_on": "2026-01-01",
        "ends_on": "2026-03-31"
    })
}

async fn send(r: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let r = r.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Accounts in every approval state, by label. All Spanish residential except `english`.
async fn accounts(s: &TestServer) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let labels = ["approved", "opted_out", "waiting", "renotice_due", "no_notice", "opted_in", "english"];
    for (i, label) in labels.into_iter().enumerate() {
        let mut body = new_account_body(&format!("CMP-{}-{i}", s.backend), &format!("+1801555{:04}", 7100 + i));
        body["email"] = json!(format!("{label}@example.com"));
        if label == "english" {
            body["language"] = json!("en");
        }
        let (status, account) = send(s.post("/api/v1/accounts", &s.csr).json(&body)).await;
        assert_eq!(status, StatusCode::CREATED, "{account}");
        let id = account["id"].as_str().unwrap().to_owned();
        let base = format!("/api/v1/accounts/{id}/consent");
        let notice =
            |days: i64| json!({"version": "v1", "medium": "electronic", "at": Utc::now() - Duration::days(days)});
        let steps: Vec<(String, Value)> = match label {
            "approved" | "english" => vec![(format!("{base}/notices"), notice(60))],
            "opted_out" => vec![
                (format!("{base}/notices"), notice(60)),
                (base.clone(), json!({"action": "opt_out", "channel": "letter", "letter_ref": "L-1"})),
            ],
            "waiting" => vec![(format!("{base}/notices"), notice(5))],
            "renotice_due" => vec![(format!("{base}/notices"), notice(1100))],
            "opted_in" => vec![
                (format!("{base}/notices"), notice(60)),
                (
                    base.clone(),
                    json!({"scope": "partner_sharing", "action": "opt_in", "channel": "letter", "letter_ref": "L-2"}),
                ),
            ],
            _ => vec![],
        };
        for (path, body) in steps {
            let (status, answer) = send(s.post(&path, &s.admin).json(&body)).await;
            assert_eq!(status, StatusCode::CREATED, "{label}: {answer}");
        }
        out.push((id, label));
    }
    out
}

fn label_of<'a>(accounts: &'a [(String, &'static str)], id: &Value) -> &'a str {
    accounts.iter().find(|(a, _)| a == id.as_str().unwrap()).map(|(_, l)| *l).unwrap()
}

#[tokio::test]
async fn review_workflow_enforces_separation_of_duties() {
    for s in servers().await {
        let sup = token(&s, "sup.one", &[Role::Supervisor]).await;
        let both = token(&s, "mkt.sup", &[Role::Marketing, Role::Supervisor]).await;

        // Bad criteria are refused with the field path.
        let mut bad = campaign_body("carrier");
        bad["criteria"] = json!({"long_distance_minutes": {"over": 0}});
        let (status, p) = send(s.post("/api/v1/campaigns", &s.marketing).json(&bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(p["field"], "criteria.long_distance_minutes.over", "{p}");
        bad["criteria"] = json!({"langauge": "es"});
        let (status, p) = send(s.post("/api/v1/campaigns", &s.marketing).json(&bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        // Only marketing creates.
        let (status, _) = send(s.post("/api/v1/campaigns", &sup).json(&campaign_body("carrier"))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // A supervisor who also drafts cannot approve their own campaign.
        let (status, v) = send(s.post("/api/v1/campaigns", &both).json(&campaign_body("carrier"))).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        let own = v["campaign"]["id"].as_str().unwrap().to_owned();
        let (_, v) = send(s.post(&format!("/api/v1/campaigns/{own}/submit"), &both)).await;
        assert_eq!(v["campaign"]["state"], "submitted");
        let version = v["campaign"]["version"].clone();
        let review =
            |decision: &str, version: &Value| json!({"decision": decision, "version": version, "reason": null});
        let (status, p) =
            send(s.post(&format!("/api/v1/campaigns/{own}/review"), &both).json(&review("approve", &version))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(p["code"], "separation_of_duties", "{p}");
        // Marketing staff do not review at all.
        let (status, _) =
            send(s.post(&format!("/api/v1/campaigns/{own}/review"), &s.marketing).json(&review("approve", &version)))
                .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // A rejection needs its reason in writing.
        let (status, p) =
            send(s.post(&format!("/api/v1/campaigns/{own}/review"), &sup).json(&review("reject", &version))).await;
        assert_eq!((status, p["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")));
        let (status, v) = send(s.post(&format!("/api/v1/campaigns/{own}/review"), &sup).json(
            &json!({"decision": "reject", "version": version, "reason": "the offer needs its price in Spanish"}),
        ))
        .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(v["campaign"]["state"], "rejected");
        assert_eq!(v["campaign"]["review_reason"], "the offer needs its price in Spanish");

        // Another's campaign: approved by the supervisor, the reviewed version only.
        let (_, v) = send(s.post("/api/v1/campaigns", &s.marketing).json(&campaign_body("carrier"))).await;
        let id = v["campaign"]["id"].as_str().unwrap().to_owned();
        let (_, v) = send(s.post(&format!("/api/v1/campaigns/{id}/submit"), &s.marketing)).await;
        let version = v["campaign"]["version"].clone();
        let stale = json!(version.as_u64().unwrap() - 1);
        let (status, _) =
            send(s.post(&format!("/api/v1/campaigns/{id}/review"), &sup).json(&review("approve", &stale))).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, v) =
            send(s.post(&format!("/api/v1/campaigns/{id}/review"), &sup).json(&review("approve", &version))).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(v["campaign"]["state"], "approved");
        let approved_version = v["campaign"]["version"].clone();
        assert!(v["trail"][2]["detail"]["policy_ids"].to_string().contains("campaign-review-by-supervisor"), "{v}");

        // An edit after approval sends it back to review; the audience is refused meanwhile.
        let mut changed = campaign_body("carrier");
        changed["offers"] = json!(["LD Saver", "Fiber 1G"]);
        let (status, v) = send(
            s.http
                .put(s.url(&format!("/api/v1/campaigns/{id}")))
                .bearer_auth(&s.marketing)
                .json(&json!({"version": approved_version, "campaign": changed})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(v["campaign"]["state"], "submitted");
        assert!(v["campaign"]["reviewed_by"].is_null());
        let kinds: Vec<&str> = v["trail"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["created", "submitted", "approved", "edited"]);
        assert!(v["trail"].as_array().unwrap().iter().all(|e| e["actor"].is_string() && e["at"].is_string()));
        let (status, p) = send(s.post(&format!("/api/v1/campaigns/{id}/audiences"), &s.marketing)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{p}");
        assert_eq!(p["deciding_policies"], json!(["no-unreviewed-campaign"]), "{p}");
        let (status, _) = send(s.post(&format!("/api/v1/campaigns/{id}/start"), &s.marketing)).await;
        assert_eq!(status, StatusCode::CONFLICT);
        // The campaign list by state.
        let (_, list) = send(s.get("/api/v1/campaigns", &s.admin).query(&[("state", "submitted")])).await;
        assert_eq!(list.as_array().unwrap().len(), 1, "{}", s.backend);
    }
}

async fn approved_campaign(s: &TestServer, sup: &str, sponsor: &str) -> String {
    let (_, v) = send(s.post("/api/v1/campaigns", &s.marketing).json(&campaign_body(sponsor))).await;
    let id = v["campaign"]["id"].as_str().unwrap().to_owned();
    let (_, v) = send(s.post(&format!("/api/v1/campaigns/{id}/submit"), &s.marketing)).await;
    let (status, v) = send(
        s.post(&format!("/api/v1/campaigns/{id}/review"), sup)
            .json(&json!({"decision": "approve", "version": v["campaign"]["version"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    id
}

#[tokio::test]
async fn audiences_exclude_by_approval_state_and_sponsor_tier() {
    for s in servers().await {
        let sup = token(&s, "sup.two", &[Role::Supervisor]).await;
        let accounts = accounts(&s).await;

        // The carrier's own campaign: the opt-out tier.
        let own = approved_campaign(&s, &sup, "carrier").await;
        let (status, v) = send(s.post(&format!("/api/v1/campaigns/{own}/audiences"), &s.marketing)).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        let snap = &v["snapshot"];
        assert_eq!(snap["scope"], "carrier_marketing");
        // One audited use_for_marketing decision for the whole campaign.
        let seq: u64 = snap["decision_ref"].as_str().unwrap().trim_start_matches("audit:").parse().unwrap();
        let entry = s.store.audit_entries(seq, 1).await.unwrap().remove(0);
        assert_eq!((entry.record.action.as_str(), entry.record.account_id), ("use_for_marketing", None));
        assert_eq!(entry.record.record_refs, [format!("campaign:{own}")]);
        assert_eq!(snap["candidates"], 6, "the English account does not match: {snap}");
        assert_eq!(snap["included"], 2);
        assert_eq!(snap["excluded"], json!({"no_notice": 1, "opted_out": 1, "renotice_due": 1, "waiting": 1}));
        let mut included: Vec<&str> =
            v["members"].as_array().unwrap().iter().map(|m| label_of(&accounts, &m["account_id"])).collect();
        included.sort();
        assert_eq!(included, ["approved", "opted_in"]);
        assert!(v["members"].as_array().unwrap().iter().all(|m| m["basis"].is_string()), "each with its evidence");
        // The snapshot keeps every candidate with the state that kept it out, which the
        // privacy office sees for a compliance review.
        let audience = snap["id"].as_str().unwrap().to_owned();
        let privacy = token(&s, "privacy.two", &[Role::PrivacyOfficer]).await;
        let (status, all) = send(
            s.get(&format!("/api/v1/campaigns/{own}/audiences/{audience}"), &privacy)
                .query(&[("view", "all"), ("reason", "quarterly campaign audit")]),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{all}");
        let members = all["members"].as_array().unwrap();
        assert_eq!(members.len(), 6);
        for m in members {
            let label = label_of(&accounts, &m["account_id"]);
            let expected = match label {
                "approved" | "opted_in" => "approved_by_notice",
                other => other,
            };
            assert_eq!(m["state"], expected, "{label}");
            assert_eq!(m["included"], json!(expected == "approved_by_notice"), "{label}");
            assert_eq!(m["included"], m["usable"]);
        }

        // Export: contact points for the channels (email, post), nothing else.
        let (status, rows) = send(
            s.post(&format!("/api/v1/campaigns/{own}/audiences/{audience}/exports"), &s.marketing).json(&json!({})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{rows}");
        let rows = rows.as_array().unwrap();
        assert_eq!(rows.len(), 2);
        for r in rows {
            let keys: BTreeSet<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys, BTreeSet::from(["account_id", "name", "language", "email", "postal"]), "{r}");
        }
        let r = s
            .post(&format!("/api/v1/campaigns/{own}/audiences/{audience}/exports"), &s.marketing)
            .json(&json!({"format": "csv"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
        let text = r.text().await.unwrap();
        assert!(text.starts_with("account_id,name,language,email,postal\r\n"), "{text}");
        assert!(text.contains("approved@example.com") && !text.contains("waiting@example.com"));

        // Partners (opt-in tier): only the opted-in account, whatever else it approved.
        for sponsor in ["joint_venture_partner", "independent_contractor", "third_party"] {
            let partner = approved_campaign(&s, &sup, sponsor).await;
            let (_, v) = send(s.post(&format!("/api/v1/campaigns/{partner}/audiences"), &s.marketing)).await;
            assert_eq!(v["snapshot"]["scope"], "partner_sharing", "{v}");
            let inc: Vec<&str> =
                v["members"].as_array().unwrap().iter().map(|m| label_of(&accounts, &m["account_id"])).collect();
            assert_eq!(inc, ["opted_in"], "{sponsor}");
            assert_eq!(v["snapshot"]["excluded"]["opted_out"], 1);
            assert_eq!(v["snapshot"]["excluded"]["no_notice"], 4);
            assert!(v["snapshot"]["decision_ref"].as_str().unwrap().starts_with("audit:"), "{v}");
            // Handing it to the partner is a disclosure, in the third-party access log.
            let audience = v["snapshot"]["id"].as_str().unwrap();
            let (status, rows) = send(
                s.post(&format!("/api/v1/campaigns/{partner}/audiences/{audience}/exports"), &s.marketing)
                    .json(&json!({"format": "json"})),
            )
            .await;
            assert_eq!((status, rows.as_array().map(Vec::len)), (StatusCode::OK, Some(1)), "{rows}");
            let today = Utc::now().date_naive().to_string();
            let (_, log) = send(
                s.get("/api/v1/campaigns/third-party-disclosures", &s.admin)
                    .query(&[("from", today.as_str()), ("to", today.as_str())]),
            )
            .await;
            let reference = json!([format!("campaign:{partner}")]);
            let entry = log.as_array().unwrap().iter().find(|e| e["record_refs"] == reference);
            assert_eq!(entry.map(|e| &e["action"]), Some(&json!("disclose_to_third_party")), "{log}");
        }

        // Records: a completed campaign is kept unchanged; deleting it early is refused
        // with the date it becomes possible.
        let (status, _) = send(s.post(&format!("/api/v1/campaigns/{own}/start"), &s.marketing)).await;
        assert_eq!(status, StatusCode::OK);
        let (_, v) = send(s.post(&format!("/api/v1/campaigns/{own}/complete"), &s.marketing)).await;
        assert_eq!(v["campaign"]["state"], "completed");
        let until = (Utc::now().date_naive() + Days::new(365)).to_string();
        assert_eq!(v["campaign"]["retain_until"], until.as_str());
        let (status, p) = send(
            s.http
                .put(s.url(&format!("/api/v1/campaigns/{own}")))
                .bearer_auth(&s.marketing)
                .json(&json!({"version": v["campaign"]["version"], "campaign": campaign_body("carrier")})),
        )
        .await;
        assert_eq!((status, p["code"].as_str()), (StatusCode::CONFLICT, Some("campaign_record_retained")));
        assert!(p["detail"].as_str().unwrap().contains(&until), "{p}");
        let (status, p) =
            send(s.http.delete(s.url(&format!("/api/v1/campaigns/{own}"))).bearer_auth(&s.marketing)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p["detail"].as_str().unwrap().contains(&until), "{p}");
        // The record stays reviewable; marketing's use of it ended with the campaign.
        let path = format!("/api/v1/campaigns/{own}/audiences/{audience}");
        let (status, _) = send(s.get(&path, &privacy).query(&[("view", "all"), ("reason", "records check")])).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = send(s.get(&path, &s.marketing)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

fn audit(action: &str, purpose: &str, principal: PrincipalKind, decision: Decision, account: AccountId) -> AuditRecord {
    AuditRecord {
        at: Utc::now(),
        principal: Principal { kind: principal, id: "someone".to_owned(), role: None },
        action: action.to_owned(),
        account_id: Some(account),
        purpose: Some(purpose.to_owned()),
        channel: None,
        interaction_id: None,
        legal_ref: (purpose == "legal_process").then(|| "SUBPOENA-7".to_owned()),
        fraud_ref: None,
        decision,
        policy_ids: vec!["some-policy".to_owned()],
        policy_set_hash: "sha256:00".to_owned(),
        request_id: None,
        record_refs: vec!["campaign:x".to_owned()],
    }
}

#[tokio::test]
async fn reports_list_campaigns_and_third_party_disclosures_for_a_period() {
    for s in servers().await {
        let sup = token(&s, "sup.three", &[Role::Supervisor]).await;
        let id = approved_campaign(&s, &sup, "third_party").await;
        let today = Utc::now().date_naive();
        let period = [("from", (today - Days::new(1)).to_string()), ("to", today.to_string())];
        let (status, rows) = send(s.get("/api/v1/campaigns/report", &s.admin).query(&period)).await;
        assert_eq!(status, StatusCode::OK, "{rows}");
        let row = &rows[0];
        assert_eq!(row["id"], id.as_str());
        assert_eq!(row["description"], "A long-distance plan for Spanish-speaking households");
        assert_eq!(row["cpni_categories"], json!(["call_detail", "services_and_configuration"]));
        assert_eq!(row["offers"], json!(["LD Saver"]));
        assert_eq!(row["sponsor"], "third_party");
        assert_eq!(row["state"], "approved");
        assert!(row["reviewed_by"].is_string());
        let mut csv = period.to_vec();
        csv.push(("format", "csv".to_owned()));
        let text = s.get("/api/v1/campaigns/report", &s.admin).query(&csv).send().await.unwrap().text().await.unwrap();
        assert!(text.starts_with("id,name,description,sponsor,sponsor_name,cpni_categories,offers"), "{text}");
        assert!(text.contains("call_detail; services_and_configuration"), "{text}");
        let old = [("from", "2020-01-01"), ("to", "2020-12-31")];
        let (_, none) = send(s.get("/api/v1/campaigns/report", &s.admin).query(&old)).await;
        assert_eq!(none, json!([]));
        let (status, p) =
            send(s.get("/api/v1/campaigns/report", &s.admin).query(&[("from", "2026-02-01"), ("to", "2026-01-01")]))
                .await;
        assert_eq!((status, p["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("to")));

        // The third-party access log: allowed disclosures, legal process and PIC-freeze
        // inquiries only.
        let a = AccountId::new();
        s.store
            .append_audit(&[
                audit("disclose_to_third_party", "marketing_with_approval", PrincipalKind::Staff, Decision::Allow, a),
                audit("read_call_detail", "legal_process", PrincipalKind::Staff, Decision::Allow, a),
                audit("answer_pic_freeze_inquiry", "pic_freeze_inquiry", PrincipalKind::Carrier, Decision::Allow, a),
                audit("disclose_to_third_party", "marketing_with_approval", PrincipalKind::Staff, Decision::Deny, a),
                audit("read_call_detail", "service_and_support", PrincipalKind::Staff, Decision::Allow, a),
            ])
            .await
            .unwrap();
        let (status, log) = send(s.get("/api/v1/campaigns/third-party-disclosures", &s.admin).query(&period)).await;
        assert_eq!(status, StatusCode::OK, "{log}");
        let actions: Vec<&str> = log.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["disclose_to_third_party", "read_call_detail", "answer_pic_freeze_inquiry"]);
        assert_eq!(log[1]["legal_ref"], "SUBPOENA-7");
        let (status, _) = send(s.get("/api/v1/campaigns/third-party-disclosures", &s.marketing).query(&period)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "the access log is the audit log's");
        let (_, none) = send(s.get("/api/v1/campaigns/third-party-disclosures", &s.admin).query(&old)).await;
        assert_eq!(none, json!([]));
    }
}

/// The audit chain's head sequence number (0 when empty).
async fn head(s: &TestServer) -> u64 {
    s.store.audit_head().await.unwrap().map_or(0, |h| h.seq)
}

/// A usage-targeted audience is CPNI-derived: each listing of its members is a gate
/// decision with one audit entry. Marketing and supervisors see the included accounts
/// only; the privacy office and auditors every candidate, for a stated reason.
#[tokio::test]
async fn audience_listings_pass_the_gate_and_show_each_role_what_it_may_see() {
    for s in servers().await {
        let sup = token(&s, "sup.three", &[Role::Supervisor]).await;
        let auditor = token(&s, "auditor.three", &[Role::Auditor]).await;
        let accounts = accounts(&s).await;
        let own = approved_campaign(&s, &sup, "carrier").await;
        let (_, v) = send(s.post(&format!("/api/v1/campaigns/{own}/audiences"), &s.marketing)).await;
        let audience = v["snapshot"]["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/campaigns/{own}/audiences/{audience}");

        for (who, caller) in [("marketing", &s.marketing), ("supervisor", &sup)] {
            let before = head(&s).await;
            let (status, v) = send(s.get(&path, caller)).await;
            assert_eq!(status, StatusCode::OK, "{who}: {v}");
            assert_eq!(head(&s).await, before + 1, "{}: {who}'s listing is one audit entry", s.backend);
            let entry = s.store.audit_entries(before + 1, 1).await.unwrap().remove(0);
            assert_eq!(entry.record.action, "use_for_marketing");
            assert_eq!(entry.record.record_refs, [format!("campaign:{own}"), format!("audience:{audience}")]);
            assert_eq!(v["audit_seq"], before + 1);
            assert_eq!(v["view"], "included");
            let mut seen: Vec<&str> =
                v["members"].as_array().unwrap().iter().map(|m| label_of(&accounts, &m["account_id"])).collect();
            seen.sort();
            assert_eq!(seen, ["approved", "opted_in"], "{who} sees the included accounts only");
            // The rest only as counts by reason.
            assert_eq!(v["snapshot"]["excluded"]["opted_out"], 1, "{v}");

            // Asking for every candidate is refused, recorded, and says who may.
            let before = head(&s).await;
            let (status, p) = send(s.get(&path, caller).query(&[("view", "all"), ("reason", "curious")])).await;
            assert_eq!((status, p["code"].as_str()), (StatusCode::FORBIDDEN, Some("policy_denied")), "{who}: {p}");
            assert_eq!(head(&s).await, before + 1, "{who}'s refusal is recorded");
            assert_eq!(p["audit_seq"], before + 1);
        }

        // An auditor sees every candidate, with the approval that kept it out, for a
        // reason kept in the audit entry; without a reason the request is invalid.
        let (status, p) = send(s.get(&path, &auditor).query(&[("view", "all")])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        let before = head(&s).await;
        let (status, v) = send(s.get(&path, &auditor).query(&[("view", "all"), ("reason", "complaint 2026-17")])).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(head(&s).await, before + 1, "{}: the auditor's listing is one audit entry", s.backend);
        let entry = s.store.audit_entries(before + 1, 1).await.unwrap().remove(0);
        assert_eq!(
            (entry.record.action.as_str(), entry.record.purpose.as_deref()),
            ("review_audience", Some("compliance_review"))
        );
        assert!(entry.record.record_refs.contains(&"reason:complaint 2026-17".to_owned()), "{:?}", entry.record);
        assert_eq!(v["view"], "all");
        let members = v["members"].as_array().unwrap();
        assert_eq!(members.len(), 6);
        let out = members.iter().find(|m| label_of(&accounts, &m["account_id"]) == "opted_out").unwrap();
        assert_eq!((out["state"].as_str(), out["included"].as_bool()), (Some("opted_out"), Some(false)));

        // An administrator runs the system and sees no audience at all.
        let before = head(&s).await;
        let (status, _) = send(s.get(&path, &s.admin)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(head(&s).await, before + 1, "the refusal is recorded");
    }
}
