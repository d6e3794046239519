//! Customer authentication over HTTP (issue 4), on every available backend: the four
//! methods, the channel summary, lockout and unlock, secret rules, portal login,
//! recovery and delivery to the address of record observed at a real SMTP server.

mod common;

use chrono::{Duration, Utc};
use common::{TestServer, servers_with};
use cpniguard_core::contact::ContactChange;
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::{AccountId, StaffId};
use cpniguard_core::staff::{NewStaff, Role, Username};
use cpniguard_notify::Worker;
use cpniguard_notify::testing::SmtpSink;
use cpniguard_server::Config;
use cpniguard_server::auth::tokens;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration as StdDuration;

fn config_for(sink: &SmtpSink) -> Config {
    let mut c = Config::default();
    c.notices.email = sink.email_config();
    c.notices.worker.max_attempts = 1;
    c
}

async fn privacy_officer(s: &TestServer) -> String {
    let new = NewStaff {
        username: Username::parse("privacy.test").unwrap(),
        display_name: "Privacy".into(),
        roles: [Role::PrivacyOfficer].into(),
        training_completed_on: Some(Utc::now().date_naive()),
    };
    let staff = s.store.create_staff(StaffId::new(), &new, Utc::now()).await.unwrap();
    let token = tokens::generate();
    s.store.add_staff_token(staff.id, &tokens::hash(&token), "test", Utc::now()).await.unwrap();
    token
}

async fn call(s: &TestServer, path: &str, body: Value) -> (StatusCode, Value) {
    let r = s.post(path, &s.csr).json(&body).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn open(s: &TestServer, id: AccountId, channel: &str) -> String {
    let (status, v) = call(s, &format!("/api/v1/accounts/{id}/interactions"), json!({"channel": channel})).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

/// In store with a valid photo ID, then set a secret (the authenticated context).
async fn set_in_store(s: &TestServer, id: AccountId, kind: &str, secret: &str) -> (StatusCode, Value) {
    let i = open(s, id, "in_store").await;
    let expires = (Utc::now() + Duration::days(300)).date_naive();
    let (st, v) = call(
        s,
        &format!("/api/v1/interactions/{i}/photo-id"),
        json!({"id_type": "drivers_license", "last4": "A123", "expires_on": expires, "name_matched": true}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["summary"]["call_detail"], "open");
    let mut body = json!({"kind": kind, "secret": secret});
    if kind == "backup_answer" {
        body["question"] = json!("Name of your first school?");
    }
    call(s, &format!("/api/v1/interactions/{i}/credentials"), body).await
}

#[tokio::test]
async fn wrong_pin_five_times_locks_a_sixth_correct_pin_is_refused_and_a_privacy_officer_unlocks() {
    let sink = SmtpSink::start();
    for s in servers_with(|| config_for(&sink)).await {
        let id = s.account_opened("LOCK-1001", "+18015550701", "lock@example.com", 40, false).await;
        let (st, v) = set_in_store(&s, id, "pin", "2718").await;
        assert_eq!(st, StatusCode::OK, "{}: {v}", s.backend);
        assert!(!v["notices_queued"].as_array().unwrap().is_empty(), "the PIN change is notified");
        let i = open(&s, id, "phone").await;
        let verify = format!("/api/v1/interactions/{i}/verify");
        for n in 1..=5 {
            let (st, v) = call(&s, &verify, json!({"kind": "pin", "secret": "9146"})).await;
            let expected = if n < 5 { StatusCode::FORBIDDEN } else { StatusCode::LOCKED };
            assert_eq!(st, expected, "{}: attempt {n}: {v}", s.backend);
        }
        let (st, v) = call(&s, &verify, json!({"kind": "pin", "secret": "2718"})).await;
        assert_eq!(st, StatusCode::LOCKED, "the right PIN is refused while locked: {v}");
        assert_eq!(v["code"], "account_locked");

        let po = privacy_officer(&s).await;
        let locks: Value = s.get("/api/v1/auth-locks", &po).send().await.unwrap().json().await.unwrap();
        assert!(locks["locks"].as_array().unwrap().iter().any(|l| l["account_id"] == id.to_string()), "{locks}");
        let r = s.http.delete(s.url(&format!("/api/v1/accounts/{id}/auth-lock"))).bearer_auth(&s.csr).send().await;
        assert_eq!(r.unwrap().status(), StatusCode::FORBIDDEN, "a CSR cannot unlock");
        let lift = format!("/api/v1/accounts/{id}/auth-lock");
        let r = s.http.delete(s.url(&lift)).bearer_auth(&po).send().await;
        assert_eq!(r.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY, "a lock is lifted only with a reason");
        let r = s
            .http
            .delete(s.url(&format!("{lift}?reason=called%20back%20on%20the%20number%20of%20record")))
            .bearer_auth(&po)
            .send()
            .await;
        assert_eq!(r.unwrap().status(), StatusCode::NO_CONTENT);
        let lifts: Value = s.get(&format!("{lift}/lifts"), &po).send().await.unwrap().json().await.unwrap();
        assert_eq!(lifts["lifts"][0]["reason"], "called back on the number of record", "{lifts}");
        let head = s.store.audit_head().await.unwrap().unwrap().seq;
        let entry = s.store.audit_entries(head, 1).await.unwrap().remove(0);
        assert_eq!(entry.record.action, "auth_lock.lifted", "the lift is in the audit chain");

        let (st, v) = call(&s, &verify, json!({"kind": "pin", "secret": "2718"})).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["summary"]["other_cpni"], true);
        assert_eq!(v["summary"]["call_detail"], "delivery_only", "a PIN does not open call detail on the phone");
        let body = v.to_string();
        assert!(!body.contains("2718"), "no secret in responses");
    }
}

#[tokio::test]
async fn trivial_and_biographical_pins_and_expired_ids_are_refused() {
    let sink = SmtpSink::start();
    for s in servers_with(|| config_for(&sink)).await {
        let id = s.account_opened("BIO-90817263", "+18015550702", "bio@example.com", 40, false).await;
        for (pin, why) in
            [("1234", "easy"), ("0000", "easy"), ("9081", "account number"), ("0702", "telephone"), ("84601", "ZIP")]
        {
            let (st, v) = set_in_store(&s, id, "pin", pin).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{pin}: {v}");
            assert!(v["detail"].as_str().unwrap().contains(why), "{pin}: {v}");
            assert!(!v.to_string().contains(&format!("\"{pin}\"")), "the secret is not echoed");
        }
        let i = open(&s, id, "in_store").await;
        let expired = (Utc::now() - Duration::days(1)).date_naive();
        let (st, v) = call(
            &s,
            &format!("/api/v1/interactions/{i}/photo-id"),
            json!({"id_type": "passport", "last4": "Z999", "expires_on": expired, "name_matched": true}),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v["detail"].as_str().unwrap().contains("expired"));
        let (st, _) =
            call(&s, &format!("/api/v1/interactions/{i}/credentials"), json!({"kind": "pin", "secret": "2718"})).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "no secret is set without authentication");
    }
}

#[tokio::test]
async fn password_call_back_volunteered_and_contract_each_open_what_the_rules_say() {
    let sink = SmtpSink::start();
    for s in servers_with(|| config_for(&sink)).await {
        let id = s.account_opened("PW-1001", "+18015550703", "pw@example.com", 40, true).await;
        assert_eq!(set_in_store(&s, id, "password", "correct horse battery").await.0, StatusCode::OK);
        assert_eq!(set_in_store(&s, id, "backup_answer", "Lincoln Elementary").await.0, StatusCode::OK);

        let i = open(&s, id, "phone").await;
        let (st, v) = call(
            &s,
            &format!("/api/v1/interactions/{i}/verify"),
            json!({"kind": "password", "secret": "correct horse battery"}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["summary"]["call_detail"], "open");

        let i = open(&s, id, "phone").await;
        let (st, v) = call(
            &s,
            &format!("/api/v1/interactions/{i}/verify"),
            json!({"kind": "backup_answer", "secret": "  lincoln elementary "}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(
            (v["summary"]["other_cpni"].clone(), v["summary"]["call_detail"].clone()),
            (json!(true), json!("delivery_only"))
        );

        let i = open(&s, id, "phone").await;
        let (st, v) =
            call(&s, &format!("/api/v1/interactions/{i}/call-back"), json!({"requested_number": "+18015559999"})).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "never a number the caller offers: {v}");
        let (st, v) = call(&s, &format!("/api/v1/interactions/{i}/call-back"), json!({})).await;
        assert_eq!((st, v["number_to_dial"].clone()), (StatusCode::OK, json!("+18015550703")));
        let (st, v) =
            call(&s, &format!("/api/v1/interactions/{i}/call-back/confirm"), json!({"number": "+18015550703"})).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["summary"]["call_detail"], "open");

        let i = open(&s, id, "phone").await;
        let (_, v) = call(&s, &format!("/api/v1/interactions/{i}/volunteered"), json!({})).await;
        assert_eq!(
            (v["summary"]["call_detail"].clone(), v["summary"]["other_cpni"].clone()),
            (json!("volunteered_only"), json!(false))
        );

        let i = open(&s, id, "chat").await;
        let (st, _) =
            call(&s, &format!("/api/v1/interactions/{i}/contract"), json!({"contract_reference": "WRONG"})).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let (st, v) =
            call(&s, &format!("/api/v1/interactions/{i}/contract"), json!({"contract_reference": "MSA-2024-17"})).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["summary"]["call_detail"], "open");
        let r = s.get(&format!("/api/v1/interactions/{i}"), &s.admin).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "an admin may look at another CSR's interaction");
    }
}

#[tokio::test]
async fn portal_login_never_tells_whether_the_account_exists_and_sessions_end() {
    let sink = SmtpSink::start();
    for s in servers_with(|| config_for(&sink)).await {
        let id = s.account_opened("WEB-1001", "+18015550704", "web@example.com", 40, false).await;
        assert_eq!(set_in_store(&s, id, "password", "a long online secret").await.0, StatusCode::OK);
        let login = |email: &str, password: &str| {
            s.http.post(s.url("/api/v1/portal/login")).json(&json!({"email": email, "password": password})).send()
        };
        let wrong = login("web@example.com", "not the password").await.unwrap();
        let (ws, wb) = (wrong.status(), wrong.text().await.unwrap());
        let unknown = login("nobody@example.com", "not the password").await.unwrap();
        let (us, ub) = (unknown.status(), unknown.text().await.unwrap());
        assert_eq!((ws, &wb), (us, &ub), "identical answers");
        assert_eq!(ws, StatusCode::UNAUTHORIZED);

        let ok = login("WEB@example.com", "a long online secret").await.unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        let cookie = ok.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        let pair = cookie.split(';').next().unwrap().to_owned();
        let session = || s.http.get(s.url("/api/v1/portal/session")).header("cookie", &pair).send();
        let v: Value = session().await.unwrap().json().await.unwrap();
        assert_eq!(v["account_id"], id.to_string());
        let r = s.http.post(s.url("/api/v1/portal/logout")).header("cookie", &pair).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        assert_eq!(session().await.unwrap().status(), StatusCode::UNAUTHORIZED);
        let r = s.http.get(s.url("/api/v1/portal/session")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
}

async fn deliver(s: &TestServer, id: AccountId) -> (StatusCode, Value) {
    let i = open(s, id, "phone").await;
    let from = Utc::now() - Duration::days(30);
    call(
        s,
        &format!("/api/v1/interactions/{i}/deliveries"),
        json!({"document": {"type": "call_detail", "from": from, "to": Utc::now()}, "via": "email"}),
    )
    .await
}

#[tokio::test]
async fn documents_go_only_to_an_email_of_record_and_arrive_at_the_smtp_server() {
    let sink = SmtpSink::start();
    for s in servers_with(|| config_for(&sink)).await {
        let old = s.account_opened("DOC-1001", "+18015550705", "kept@example.com", 40, false).await;
        let changed = s.account_opened("DOC-1002", "+18015550706", "first@example.com", 60, false).await;
        let change = ContactChange {
            email: Some(Some(EmailAddress::parse("recent@example.com").unwrap())),
            ..Default::default()
        };
        let ten_days_ago = Utc::now() - Duration::days(10);
        s.store.change_contact_points(changed, &change, ten_days_ago, &cpniguard_store::no_effects).await.unwrap();

        let (st, v) = deliver(&s, changed).await;
        assert_eq!(st, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["code"], "not_of_record");

        let before = sink.messages().len();
        let (st, v) = deliver(&s, old).await;
        assert_eq!(st, StatusCode::ACCEPTED, "{v}");
        assert!(!v.to_string().contains("Call detail"), "the requester never sees the document");
        let config = config_for(&sink);
        let worker = Worker::new(s.store.clone(), config.notices.clone(), config.carrier_info()).unwrap();
        worker.run_once(Utc::now()).await.unwrap();
        let mail = sink.wait_for(before + 1, StdDuration::from_secs(10)).await;
        let m = mail.iter().skip(before).find(|m| m.to == vec!["kept@example.com".to_owned()]).expect("delivered");
        assert!(m.text().unwrap().contains("Call detail"), "{}", m.text().unwrap());
        assert!(!mail.iter().any(|m| m.to.contains(&"recent@example.com".to_owned())));
    }
}

#[tokio::test]
async fn recovery_codes_go_to_the_email_of_record_work_once_and_expire() {
    let sink = SmtpSink::start();
    for s in servers_with(|| config_for(&sink)).await {
        let id = s.account_opened("REC-1001", "+18015550707", "rec@example.com", 40, false).await;
        let before = sink.messages().len();
        for email in ["rec@example.com", "nobody@example.com"] {
            let r = s.http.post(s.url("/api/v1/portal/recovery")).json(&json!({"email": email})).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::ACCEPTED, "the same answer either way");
        }
        let config = config_for(&sink);
        let worker = Worker::new(s.store.clone(), config.notices.clone(), config.carrier_info()).unwrap();
        worker.run_once(Utc::now()).await.unwrap();
        let mail = sink.wait_for(before + 1, StdDuration::from_secs(10)).await;
        let text = mail[before].text().unwrap();
        assert_eq!(mail[before].to, vec!["rec@example.com".to_owned()]);
        let code = text.split_whitespace().find(|w| w.starts_with("cpg_")).expect("a code in the mail").to_owned();
        let outbox =
            s.get(&format!("/api/v1/notices?account={id}"), &s.admin).send().await.unwrap().text().await.unwrap();
        assert!(!outbox.contains(&code) && outbox.contains("[redacted]"), "staff never see a recovery code: {outbox}");

        let complete = |code: String, secret: &str| {
            s.http
                .post(s.url("/api/v1/portal/recovery/complete"))
                .json(&json!({"code": code, "kind": "password", "secret": secret}))
                .send()
        };
        let r = complete(code.clone(), "1234").await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "a bad secret does not use the code up");
        let r = complete(code.clone(), "my new long password").await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let r = complete(code.clone(), "another long password").await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "single use");
        let r = s
            .http
            .post(s.url("/api/v1/portal/login"))
            .json(&json!({"email": "rec@example.com", "password": "my new long password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);

        // A code past its expiry is refused.
        let stale = tokens::generate();
        let now = Utc::now();
        let token = cpniguard_store::auth::RecoveryToken {
            account_id: id,
            created_at: now - Duration::minutes(40),
            expires_at: now - Duration::minutes(10),
            used_at: None,
        };
        s.store.create_recovery_token(&tokens::hash(&stale), &token, &Default::default(), now).await.unwrap();
        let r = complete(stale, "yet another long password").await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "expired");
    }
}

#[tokio::test]
async fn after_the_password_and_the_back_up_answer_both_fail_only_recovery_remains() {
    let sink = SmtpSink::start();
    for s in servers_with(|| config_for(&sink)).await {
        let id = s.account_opened("ACCT-55102", "+18015550177", "ana@example.com", 40, false).await;
        let (st, _) = set_in_store(&s, id, "password", "correct horse battery").await;
        assert_eq!(st, StatusCode::OK);
        let (st, _) = set_in_store(&s, id, "backup_answer", "Kingfisher").await;
        assert_eq!(st, StatusCode::OK);
        let (st, _) = set_in_store(&s, id, "pin", "2718").await;
        assert_eq!(st, StatusCode::OK);

        let i = open(&s, id, "phone").await;
        // A wrong password alone leaves the other secrets.
        let (st, body) = verify(&s, &i, "password", "not the password").await;
        assert_eq!((st, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("verification_failed")), "{body}");
        // The wrong back-up answer too: from now on only recovery remains.
        let (st, body) = verify(&s, &i, "backup_answer", "Sparrow").await;
        assert_eq!((st, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("recovery_required")), "{body}");
        assert!(body["detail"].as_str().unwrap().contains("POST /api/v1/portal/recovery"), "{body}");
        // Even the right secrets are no longer checked in this interaction.
        for (kind, secret) in [("pin", "2718"), ("password", "correct horse battery"), ("backup_answer", "kingfisher")]
        {
            let (st, body) = verify(&s, &i, kind, secret).await;
            assert_eq!(
                (st, body["code"].as_str()),
                (StatusCode::FORBIDDEN, Some("recovery_required")),
                "{kind}: {body}"
            );
        }
        let view: Value =
            s.get(&format!("/api/v1/interactions/{i}"), &s.csr).send().await.unwrap().json().await.unwrap();
        assert_eq!(view["only_recovery_remains"], true, "{view}");
        assert_eq!(view["summary"]["authenticated"], false, "{view}");
        let kinds: Vec<&str> = view["evidence"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
        assert_eq!(kinds, ["password_failed", "backup_answer_failed"], "{view}");
        // The failures counted towards the lock, but the account is not locked: another
        // interaction (say, after recovery) checks secrets again.
        let fresh = open(&s, id, "phone").await;
        let (st, body) = call(
            &s,
            &format!("/api/v1/interactions/{fresh}/verify"),
            json!({"kind": "password", "secret": "correct horse battery"}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{body}");
        assert_eq!(body["only_recovery_remains"], false, "{body}");
    }
}

async fn verify(s: &TestServer, interaction: &str, kind: &str, secret: &str) -> (StatusCode, Value) {
    call(s, &format!("/api/v1/interactions/{interaction}/verify"), json!({"kind": kind, "secret": secret})).await
}
