//! Customer authentication at call-center scale and against insiders (issue 18), on
//! every available backend: staff-mediated checks limited per staff member (not per
//! office address), the pretexting signal and the staff delay, valid tokens never
//! refused, per-client portal limits behind a trusted proxy, the contract exemption
//! under separation of duties, and portal sign-in timing that says nothing.

mod common;

use chrono::Utc;
use common::{TestServer, servers_with};
use cpniguard_core::authn::{Secret, SecretKind};
use cpniguard_core::ids::{AccountId, StaffId};
use cpniguard_core::notice::NoticeKind;
use cpniguard_core::staff::Role;
use cpniguard_server::Config;
use cpniguard_server::application::secret_checks::hasher::SecretHasher;
use cpniguard_server::auth::tokens;
use cpniguard_store::NoticeQuery;
use cpniguard_store::auth::StoredCredential;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery";
/// The staff delay the tests configure (the default is 500 ms doubling to 8 s).
const STAFF_DELAY: Duration = Duration::from_millis(400);

/// Fast hashing and short delays, so the tests are quick yet the delays measurable.
fn config() -> Config {
    let mut c = Config::default();
    let a = &mut c.customer_auth;
    (a.argon2_memory_kib, a.argon2_iterations, a.argon2_parallelism) = (64, 1, 1);
    (a.delay_base_ms, a.delay_max_ms, a.portal_failure_min_ms) = (1, 2, 0);
    let ms = u64::try_from(STAFF_DELAY.as_millis()).unwrap();
    (a.staff_delay_base_ms, a.staff_delay_max_ms) = (ms, ms);
    c.security.trusted_proxies = vec!["127.0.0.1".to_owned()];
    c
}

/// `n` residential accounts whose password is [`PASSWORD`], set directly in the store.
async fn accounts(s: &TestServer, prefix: &str, first_phone: usize, n: usize) -> Vec<AccountId> {
    let hasher = SecretHasher::for_config(&config().customer_auth).unwrap();
    let mut out = Vec::new();
    for i in 0..n {
        let email = format!("{prefix}{i}@example.com").to_lowercase();
        let id = s
            .account_opened(&format!("{prefix}-{i:04}"), &format!("+1801555{:04}", first_phone + i), &email, 40, false)
            .await;
        let credential = StoredCredential {
            kind: SecretKind::Password,
            hash: hasher.hash(SecretKind::Password, &Secret::new(PASSWORD)),
            question: None,
            updated_at: Utc::now(),
        };
        s.store.set_credential(id, &credential, None, &Default::default(), Utc::now()).await.unwrap();
        out.push(id);
    }
    out
}

async fn staff_id(s: &TestServer, token: &str) -> StaffId {
    s.store.staff_by_token_hash(&tokens::hash(token)).await.unwrap().unwrap().id
}

/// `token`'s holder opens a phone interaction on `account` and checks `password`; the
/// status, the problem code and how long the answer took.
async fn verify(s: &TestServer, token: &str, account: AccountId, password: &str) -> (StatusCode, Value, Duration) {
    let i = s.open_interaction(token, &account.to_string(), "phone").await;
    let started = Instant::now();
    let r = s
        .post(&format!("/api/v1/interactions/{i}/verify"), token)
        .json(&json!({"kind": "password", "secret": password}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    (status, body, started.elapsed())
}

async fn signals(s: &TestServer, po: &str, kind: &str) -> Vec<Value> {
    let v: Value = s.get("/api/v1/pretexting-signals", po).send().await.unwrap().json().await.unwrap();
    v["signals"].as_array().unwrap().iter().filter(|x| x["kind"] == kind).cloned().collect()
}

#[tokio::test]
async fn a_call_center_floor_is_not_one_attacker_but_one_csr_failing_everywhere_is_signalled_and_slowed() {
    for s in servers_with(config).await {
        let today = Some(Utc::now().date_naive());
        let po = s.staff("privacy.officer", Role::PrivacyOfficer, today).await;
        let floor = accounts(&s, "FLOOR", 0, 32).await;
        let csrs = [
            s.staff("csr.ana", Role::Csr, today).await,
            s.staff("csr.ben", Role::Csr, today).await,
            s.staff("csr.cai", Role::Csr, today).await,
        ];
        // 30 single wrong passwords, 10 per CSR, all from this one address.
        for (n, account) in floor[..30].iter().enumerate() {
            let (st, v, _) = verify(&s, &csrs[n % 3], *account, "wrong password!").await;
            assert_eq!(
                (st, v["code"].as_str()),
                (StatusCode::FORBIDDEN, Some("verification_failed")),
                "{}: {n}: {v}",
                s.backend
            );
        }
        let fourth = s.staff("csr.dee", Role::Csr, today).await;
        let (st, v, _) = verify(&s, &fourth, floor[30], PASSWORD).await;
        assert_eq!(st, StatusCode::OK, "{}: a fourth CSR verifies a caller at once: {v}", s.backend);
        assert_eq!(v["summary"]["call_detail"], "open");
        assert!(signals(&s, &po, "staff_failures_across_accounts").await.is_empty(), "10 failures each are ordinary");

        // One CSR failing on 15 distinct accounts: the privacy office hears of it.
        let insider = s.staff("csr.eve", Role::Csr, today).await;
        let targets = accounts(&s, "TARGET", 100, 26).await;
        for account in &targets[..15] {
            let (st, _, _) = verify(&s, &insider, *account, "guessing 1").await;
            assert_eq!(st, StatusCode::FORBIDDEN);
        }
        let raised = signals(&s, &po, "staff_failures_across_accounts").await;
        assert_eq!(raised.len(), 1, "{}: {raised:?}", s.backend);
        assert_eq!(raised[0]["staff_id"], staff_id(&s, &insider).await.to_string());
        let detail = raised[0]["detail"].as_str().unwrap();
        assert!(
            detail.contains("csr.eve") && detail.contains("15 distinct accounts") && detail.contains("phone"),
            "{detail}"
        );

        // From the 25th account that CSR is answered slower; never refused. Others are not.
        for (n, account) in targets[15..24].iter().enumerate() {
            let (st, _, took) = verify(&s, &insider, *account, "guessing 2").await;
            assert_eq!(st, StatusCode::FORBIDDEN);
            assert!(took < STAFF_DELAY, "{}: not delayed before the 25th account ({n}: {took:?})", s.backend);
        }
        let (st, v, took) = verify(&s, &insider, targets[24], "guessing 3").await;
        assert_eq!((st, v["code"].as_str()), (StatusCode::FORBIDDEN, Some("verification_failed")), "{v}");
        assert!(took >= STAFF_DELAY, "{}: the 25th account is answered after the delay: {took:?}", s.backend);
        let (st, _, took) = verify(&s, &csrs[0], targets[25], "wrong password!").await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        assert!(took < STAFF_DELAY, "{}: another CSR is not slowed: {took:?}", s.backend);
        assert_eq!(signals(&s, &po, "staff_failures_across_accounts").await.len(), 1, "one signal per window");
    }
}

#[tokio::test]
async fn a_valid_token_is_accepted_from_an_address_that_just_sent_a_hundred_bad_ones() {
    for s in servers_with(config).await {
        let mut statuses = Vec::new();
        for _ in 0..100 {
            let bad = tokens::generate();
            statuses.push(s.get("/api/v1/accounts?limit=1", &bad).send().await.unwrap().status());
        }
        assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
        assert_eq!(statuses[99], StatusCode::TOO_MANY_REQUESTS, "{}: unknown tokens are limited", s.backend);
        let r = s.get("/api/v1/accounts?limit=1", &s.csr).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}: the valid token is checked first", s.backend);
    }
}

async fn portal_login(s: &TestServer, client: &str, email: &str, password: &str) -> (StatusCode, Duration) {
    let started = Instant::now();
    let r = s
        .http
        .post(s.url("/api/v1/portal/login"))
        .header("x-forwarded-for", format!("1.1.1.1, {client}"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    (r.status(), started.elapsed())
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_portal_limit() {
    for s in servers_with(config).await {
        accounts(&s, "PORTAL", 200, 1).await;
        let email = "portal0@example.com";
        // 20 clients, one failure each (the forged leftmost 1.1.1.1 is the same for all).
        for i in 1..=20 {
            let (st, _) = portal_login(&s, &format!("198.51.100.{i}"), "nobody@example.com", "wrong").await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{}: client {i}", s.backend);
        }
        let (st, _) = portal_login(&s, "198.51.100.21", email, PASSWORD).await;
        assert_eq!(st, StatusCode::OK, "{}: nobody is blocked", s.backend);
        // One client failing 20 times is blocked; others are not.
        for n in 1..=20 {
            let (st, _) = portal_login(&s, "203.0.113.7", "nobody@example.com", "wrong").await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{}: failure {n}", s.backend);
        }
        let (st, _) = portal_login(&s, "203.0.113.7", email, PASSWORD).await;
        assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{}: that client is blocked", s.backend);
        let (st, _) = portal_login(&s, "203.0.113.8", email, PASSWORD).await;
        assert_eq!(st, StatusCode::OK, "{}: the next client is not", s.backend);
        // IPv6 clients count by their /64.
        for n in 1..=20 {
            let (st, _) = portal_login(&s, &format!("2001:db8:5:6::{n:x}"), "nobody@example.com", "wrong").await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{}: v6 failure {n}", s.backend);
        }
        let (st, _) = portal_login(&s, "2001:db8:5:6:ffff::1", email, PASSWORD).await;
        assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{}: the same /64", s.backend);
        let metrics = s.http.get(s.url("/metrics")).send().await.unwrap().text().await.unwrap();
        assert!(metrics.contains(r#"cpniguard_auth_checks_refused_total{limit="portal_source"}"#), "{metrics}");
    }
}

#[tokio::test]
async fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
    let untrusted = || {
        let mut c = config();
        c.security.trusted_proxies = vec!["10.0.0.0/8".to_owned()];
        c
    };
    for s in servers_with(untrusted).await {
        for i in 1..=20 {
            let (st, _) = portal_login(&s, &format!("198.51.100.{i}"), "nobody@example.com", "wrong").await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{}: {i}", s.backend);
        }
        let (st, _) = portal_login(&s, "198.51.100.99", "nobody@example.com", "wrong").await;
        assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{}: all 20 counted against the peer itself", s.backend);
    }
}

#[tokio::test]
async fn only_the_privacy_office_sets_an_exemption_and_nobody_authenticates_under_their_own() {
    for s in servers_with(config).await {
        let id = s.account_opened("BIZ-7001", "+18015557001", "biz@example.com", 40, true).await;
        let path = format!("/api/v1/accounts/{id}/business-exemption");
        let body = json!({"contract_reference": "MSA-2026-9", "dedicated_representative": "Rosa Diaz"});
        let r = s.http.put(s.url(&path)).bearer_auth(&s.csr).json(&body).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{}: a CSR cannot set it", s.backend);
        let r = s
            .http
            .patch(s.url(&format!("/api/v1/accounts/{id}")))
            .bearer_auth(&s.csr)
            .json(&json!({"business_exemption": {"contract_reference": "MSA-FAKE"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{}: nor through the profile", s.backend);

        let r = s.http.put(s.url(&path)).bearer_auth(&s.admin).json(&body).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", s.backend);
        let v: Value = r.json().await.unwrap();
        assert!(!v["notices_queued"].as_array().unwrap().is_empty(), "the change is notified: {v}");
        let history: Value = s.get(&format!("{path}/history"), &s.csr).send().await.unwrap().json().await.unwrap();
        let last = history["changes"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["set_by"], staff_id(&s, &s.admin).await.to_string());
        assert_eq!(last["dedicated_representative"], "Rosa Diaz");
        let head = s.store.audit_head().await.unwrap().unwrap().seq;
        let entry = s.store.audit_entries(head, 1).await.unwrap().remove(0);
        assert_eq!(entry.record.action, "business_exemption.set", "{}: the change is in the audit chain", s.backend);
        assert_eq!(entry.record.account_id, Some(id));

        let contract = |token: String| {
            let s = &s;
            async move {
                let i = s.open_interaction(&token, &id.to_string(), "phone").await;
                let r = s
                    .post(&format!("/api/v1/interactions/{i}/contract"), &token)
                    .json(&json!({"contract_reference": "MSA-2026-9"}))
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                (status, r.json::<Value>().await.unwrap())
            }
        };
        let (st, v) = contract(s.admin.clone()).await;
        assert_eq!((st, v["code"].as_str()), (StatusCode::FORBIDDEN, Some("exemption_self_granted")), "{v}");
        let (st, v) = contract(s.csr.clone()).await;
        assert_eq!(st, StatusCode::OK, "{}: someone else may: {v}", s.backend);
        assert_eq!(v["summary"]["authenticated"], true);
    }
}

#[tokio::test]
async fn portal_sign_in_takes_as_long_for_an_unknown_email_as_for_a_real_or_locked_one() {
    let timed = || {
        let mut c = config();
        let a = &mut c.customer_auth;
        (a.delay_base_ms, a.delay_max_ms, a.portal_failure_min_ms) = (40, 400, 150);
        c
    };
    for s in servers_with(timed).await {
        accounts(&s, "TIMING", 300, 1).await;
        // Six failures each: the fifth locks the real account, the sixth finds it locked.
        for n in 1..=6 {
            let (real, real_took) = portal_login(&s, "192.0.2.10", "timing0@example.com", "not it at all").await;
            let (unknown, unknown_took) = portal_login(&s, "192.0.2.11", "nobody@example.com", "not it at all").await;
            assert_eq!((real, unknown), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
            let gap = real_took.abs_diff(unknown_took);
            assert!(gap < Duration::from_millis(25), "{}: failure {n}: {real_took:?} vs {unknown_took:?}", s.backend);
            let floor = Duration::from_millis(150 + if n >= 2 { 40 << (n - 2).min(3) } else { 0 });
            assert!(unknown_took >= floor && real_took >= floor, "{n}: the same floor and back-off for both");
        }
    }
}

#[tokio::test]
async fn a_locked_customer_gets_back_in_with_a_code_sent_to_the_email_of_record() {
    for s in servers_with(config).await {
        let id = accounts(&s, "LOCKED", 400, 1).await[0];
        let email = "locked0@example.com";
        for _ in 0..5 {
            portal_login(&s, "192.0.2.50", email, "a wrong guess").await;
        }
        let (st, _) = portal_login(&s, "192.0.2.50", email, PASSWORD).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{}: locked, even the right password fails", s.backend);
        let r = s.http.post(s.url("/api/v1/portal/recovery")).json(&json!({"email": email})).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
        let query = NoticeQuery {
            account: Some(id),
            status: None,
            kind: Some(NoticeKind::RecoveryCode),
            after: None,
            limit: 5,
        };
        let page = s.store.list_notices(&query).await.unwrap();
        let code = page.notices[0].params["code"].clone();
        let r = s
            .http
            .post(s.url("/api/v1/portal/recovery/complete"))
            .json(&json!({"code": code, "kind": "password", "secret": "a brand new passphrase"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", s.backend);
        let (st, _) = portal_login(&s, "192.0.2.50", email, "a brand new passphrase").await;
        assert_eq!(st, StatusCode::OK, "{}: the code cleared the lock", s.backend);
    }
}

#[tokio::test]
async fn a_csr_setting_secrets_after_staff_attested_evidence_on_several_accounts_is_signalled() {
    for s in servers_with(config).await {
        let today = Some(Utc::now().date_naive());
        let po = s.staff("privacy.officer", Role::PrivacyOfficer, today).await;
        let csr = s.staff("csr.fay", Role::Csr, today).await;
        for (n, id) in accounts(&s, "ATTEST", 500, 3).await.into_iter().enumerate() {
            let visit = s.in_store_with_photo_id(&csr, &id.to_string()).await;
            let v: Value =
                s.get(&format!("/api/v1/interactions/{visit}"), &csr).send().await.unwrap().json().await.unwrap();
            assert_eq!(v["evidence"][0]["staff_attested"], true, "{v}");
            assert!(v["evidence"][0]["detail"].as_str().unwrap().starts_with("staff-attested"), "{v}");
            let r = s
                .post(&format!("/api/v1/interactions/{visit}/credentials"), &csr)
                .json(&json!({"kind": "pin", "secret": "2718"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{}", s.backend);
            let raised = signals(&s, &po, "attested_then_credentials_set").await;
            assert_eq!(raised.len(), usize::from(n == 2), "{}: from the third account: {raised:?}", s.backend);
        }
        let raised = signals(&s, &po, "attested_then_credentials_set").await;
        assert_eq!(raised[0]["staff_id"], staff_id(&s, &csr).await.to_string());
        assert!(raised[0]["detail"].as_str().unwrap().contains("csr.fay"), "{raised:?}");
    }
}
