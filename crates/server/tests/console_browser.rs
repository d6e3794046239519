//! The console in a real headless Chromium: the CSR's live-call flow end to end, the
//! sign-in lockout, a CSR with lapsed training refused with the reason, the privacy
//! office filing a quarantined opt-out, an expired session. Screenshots of each screen
//! are written to `docs/screenshots/` when `CPNIGUARD_SCREENSHOTS=1`.

mod common;

use chrono::{Duration, Utc};
use common::browser::{self, Browser};
use common::console::*;
use cpniguard_core::staff::Role;
use cpniguard_server::auth::tokens;
use cpniguard_store::consent::{ConsentChange, QuarantinedMail};

async fn shot(b: &Browser, name: &str) {
    if std::env::var("CPNIGUARD_SCREENSHOTS").is_ok_and(|v| v == "1") {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        b.screenshot(&dir.join(format!("{name}.png"))).await;
    }
}

async fn sign_in_as(b: &Browser, base: &str, username: &str, password: &str) {
    b.goto(&format!("{base}/console")).await;
    b.find("#username").await;
    b.fill("#username", username).await;
    b.fill("#password", password).await;
    b.navigate_by("form button[type=submit]").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn console_in_a_real_browser() {
    assert!(
        browser::available(),
        "the console tests need Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver"
    );
    let servers = common::servers().await;
    let s = &servers[0];
    let b = Browser::start().await;
    csr_finds_authenticates_and_sees_calls(s, &b).await;
    b.delete_cookies().await;
    sign_in_lockout(s, &b).await;
    b.delete_cookies().await;
    lapsed_training_is_refused_with_its_reason(s, &b).await;
    b.delete_cookies().await;
    privacy_office_files_a_quarantined_opt_out(s, &b).await;
    b.delete_cookies().await;
    expired_session_goes_to_sign_in(s, &b).await;
    b.delete_cookies().await;
    customer_opts_out_in_spanish(s, &b).await;
    b.delete_cookies().await;
    supervisor_reviews_the_queue(s, &b).await;
    b.delete_cookies().await;
    auditor_searches_the_log(s, &b).await;
    b.quit().await;
}

async fn csr_finds_authenticates_and_sees_calls(s: &common::TestServer, b: &Browser) {
    console_staff(s, "ana.floor", Role::Csr, Some(30)).await;
    account_with_cpni(s, "ACC-7001", "+18015557001").await;

    b.goto(&s.url("/console")).await;
    assert!(b.current_url().await.ends_with("/console/sign-in"), "not signed in: sent to sign-in");
    shot(b, "sign-in").await;
    sign_in_as(b, &s.base, "ana.floor", STAFF_PASSWORD).await;
    b.fill("#q", "ACC-7001").await;
    b.navigate_by("form[role=search] button").await;
    b.navigate_by("a[href^='/console/accounts/']").await;
    b.find("#lock-state").await;
    b.select("#channel", "phone").await;
    b.navigate_by("form[action$='/interactions'] button").await;
    let state = b.text("#auth-state").await;
    assert!(state.contains("not authenticated"), "{state}");
    assert!(b.try_find("#show-calls", std::time::Duration::from_millis(300)).await.is_none());
    assert_eq!(leaked(&b.source().await), None);
    shot(b, "csr-before-authentication").await;

    b.select("#kind", "password").await;
    b.fill("#secret", CUSTOMER_PASSWORD).await;
    b.navigate_by("form[action$='/verify'] button").await;
    assert!(b.text("#outcome").await.contains("matched"));
    b.select("#purpose", "service_and_support").await;
    b.click("#show-calls").await;
    let shown = b.wait_for_text("#cpni", CALLED_NUMBER).await;
    assert!(shown.contains(CALLED_NUMBER) && shown.contains(DURATION_SHOWN), "{shown}");
    shot(b, "csr-call-detail").await;
    b.click("#show-invoices").await;
    assert!(b.wait_for_text("#cpni", INVOICE_TOTAL).await.contains(INVOICE_TOTAL));

    // Ending the interaction: back on the account, and its screen shows nothing more.
    // After the check the window shows the answer to that form post; the screen's own
    // address is the interaction's.
    let interaction_url = b.current_url().await.trim_end_matches("/verify").to_owned();
    b.navigate_by("#end").await;
    b.find("#open-heading").await;
    b.goto(&interaction_url).await;
    let after = b.source().await;
    assert!(after.contains("Interaction ended"), "{after}");
    assert_eq!(leaked(&after), None);
}

async fn sign_in_lockout(s: &common::TestServer, b: &Browser) {
    console_staff(s, "ben.floor", Role::Csr, Some(30)).await;
    for _ in 0..5 {
        sign_in_as(b, &s.base, "ben.floor", "not-the-password").await;
    }
    let message = b.text("#sign-in-error").await;
    assert!(message.contains("locked"), "{message}");
    // Locked: even the right password is refused now.
    sign_in_as(b, &s.base, "ben.floor", STAFF_PASSWORD).await;
    assert!(b.text("#sign-in-error").await.contains("locked"));
    shot(b, "sign-in-locked").await;
}

async fn lapsed_training_is_refused_with_its_reason(s: &common::TestServer, b: &Browser) {
    console_staff(s, "old.floor", Role::Csr, Some(800)).await;
    account_with_cpni(s, "ACC-7002", "+18015557002").await;
    sign_in_as(b, &s.base, "old.floor", STAFF_PASSWORD).await;
    b.fill("#q", "ACC-7002").await;
    b.navigate_by("form[role=search] button").await;
    b.navigate_by("a[href^='/console/accounts/']").await;
    b.select("#channel", "phone").await;
    b.navigate_by("form[action$='/interactions'] button").await;
    b.select("#kind", "password").await;
    b.fill("#secret", CUSTOMER_PASSWORD).await;
    b.navigate_by("form[action$='/verify'] button").await;
    b.click("#show-calls").await;
    let refusal = b.wait_for_text("#cpni", "training").await;
    assert!(refusal.contains("training"), "{refusal}");
    assert!(refusal.contains("audit log as entry"), "{refusal}");
    assert_eq!(leaked(&b.source().await), None);
    shot(b, "csr-refused-training").await;
}

async fn privacy_office_files_a_quarantined_opt_out(s: &common::TestServer, b: &Browser) {
    console_staff(s, "pat.privacy", Role::PrivacyOfficer, Some(30)).await;
    let account = account_with_cpni(s, "ACC-7003", "+18015557003").await;
    let raw = b"From: someone@elsewhere.example\r\nSubject: stop\r\n\r\nPlease stop using my records.".to_vec();
    let mail = QuarantinedMail {
        id: uuid::Uuid::now_v7(),
        received_at: Utc::now() - Duration::hours(3),
        reason: "unmatched".to_owned(),
        detail: "the sender is not the email of record of any account".to_owned(),
        message_id: Some("<stop-7003@elsewhere.example>".to_owned()),
        sha256: tokens::hash(&String::from_utf8_lossy(&raw)).iter().map(|b| format!("{b:02x}")).collect(),
        sender: Some("someone@elsewhere.example".to_owned()),
        account_ids: Vec::new(),
        status: "open".to_owned(),
        resolved_at: None,
        resolved_by: None,
        resolution_note: None,
        raw,
    };
    s.store.record_consent(&ConsentChange { quarantine: Some(mail), ..Default::default() }, Utc::now()).await.unwrap();

    sign_in_as(b, &s.base, "pat.privacy", STAFF_PASSWORD).await;
    b.navigate_by("a[href='/console/privacy']").await;
    b.find("article.mail").await;
    shot(b, "privacy-office").await;
    b.fill("article.mail input[name=account_number]", "ACC-7003").await;
    b.navigate_by("article.mail form[action$='/file'] button").await;
    assert!(b.text("#outcome").await.contains("Filed"));
    let history = s.store.consent_history(account).await.unwrap();
    assert!(history.iter().any(|e| e.kind.as_str() == "opt_out"), "{history:?}");
}

async fn expired_session_goes_to_sign_in(s: &common::TestServer, b: &Browser) {
    // A session that ended by idling: last used 20 minutes ago (the limit is 15).
    let staff = console_staff(s, "cal.floor", Role::Csr, Some(30)).await;
    let token = tokens::generate();
    let then = Utc::now() - Duration::minutes(20);
    s.store.create_console_session(&tokens::hash(&token), staff, then, then + Duration::hours(8)).await.unwrap();
    b.goto(&s.url("/console/sign-in")).await;
    b.add_cookie("cpniguard_console", &token).await;
    b.goto(&s.url("/console")).await;
    assert!(b.current_url().await.ends_with("/console/sign-in"));
    b.find("#username").await;
}

async fn customer_opts_out_in_spanish(s: &common::TestServer, b: &Browser) {
    let account = account_with_cpni(s, "ACC-7005", "+18015557005").await;
    b.goto(&s.url("/portal?lang=es")).await;
    assert!(b.current_url().await.contains("/portal/sign-in"));
    b.find("html[lang=es]").await;
    assert!(b.source().await.contains("Iniciar sesión"));
    shot(b, "portal-sign-in-es").await;
    b.fill("#email", "acc-7005@example.com").await;
    b.fill("#password", CUSTOMER_PASSWORD).await;
    b.navigate_by("form[action='/portal/sign-in'] button").await;
    b.find("#opt-out").await;
    b.find("html[lang=es]").await;
    b.navigate_by("#opt-out").await;
    let done = b.text("#outcome").await;
    assert!(done.contains("no usaremos su información"), "{done}");
    assert!(b.text("#consent").await.contains("Excluido"));
    shot(b, "portal-opted-out-es").await;
    let history = s.store.consent_history(account).await.unwrap();
    let portal_opt_out = history.iter().find(|e| e.kind.as_str() == "opt_out").expect("the opt-out is recorded");
    assert_eq!(portal_opt_out.channel.as_str(), "portal", "{history:?}");
    assert!(portal_opt_out.at <= Utc::now(), "effective at once");
    // A new postal address: the notice of the change goes to the contact points of record.
    b.fill("#line1", "25 Calle Luna").await;
    b.fill("#city", "Orem").await;
    b.fill("#state", "UT").await;
    b.fill("#zip", "84057").await;
    b.navigate_by("#change-contact").await;
    assert!(b.text("#outcome").await.contains("se cambiaron sus datos"));
    let notices = s
        .store
        .list_notices(&cpniguard_store::NoticeQuery { account: Some(account), limit: 100, ..Default::default() })
        .await
        .unwrap();
    assert!(notices.notices.iter().any(|n| n.kind.as_str() == "postal_address_changed"));
    // The switch back to English is remembered.
    b.navigate_by("#language-switch").await;
    b.find("html[lang=en]").await;
}

/// A campaign drafted and submitted through the API by `token`'s owner; its id.
async fn submitted_campaign(s: &common::TestServer, token: &str, name: &str) -> String {
    let body = serde_json::json!({
        "name": name, "description": "A long-distance plan", "sponsor": "carrier",
        "cpni_categories": ["call_detail"], "criteria": {"account_kind": "residential"},
        "offers": ["LD Saver"], "channels": ["email"], "starts_on": "2027-01-01", "ends_on": "2027-03-31"
    });
    let v: serde_json::Value =
        s.post("/api/v1/campaigns", token).json(&body).send().await.unwrap().json().await.unwrap();
    let id = v["campaign"]["id"].as_str().unwrap().to_owned();
    let r = s.post(&format!("/api/v1/campaigns/{id}/submit"), token).send().await.unwrap();
    assert!(r.status().is_success());
    id
}

/// Separation of duties (no one reviews what they drafted) is the application layer's,
/// shared with the API and tested there (`http_campaigns`).
async fn supervisor_reviews_the_queue(s: &common::TestServer, b: &Browser) {
    console_staff(s, "sue.supervisor", Role::Supervisor, Some(30)).await;
    let theirs = submitted_campaign(s, &s.marketing, "Verano").await;
    sign_in_as(b, &s.base, "sue.supervisor", STAFF_PASSWORD).await;
    b.navigate_by("a[href='/console/campaigns']").await;
    b.find(&format!("#campaign-{theirs}")).await;
    shot(b, "supervisor-review-queue").await;
    b.navigate_by(&format!("#campaign-{theirs} button[value=approve]")).await;
    assert!(b.text("#outcome").await.contains("approved"));
    // Rejecting without a reason is refused, in words.
    let second = submitted_campaign(s, &s.marketing, "Invierno").await;
    b.goto(&s.url("/console/campaigns")).await;
    b.navigate_by(&format!("#campaign-{second} button[value=reject]")).await;
    assert!(b.text("#outcome").await.contains("reason"));
}

async fn auditor_searches_the_log(s: &common::TestServer, b: &Browser) {
    console_staff(s, "abe.auditor", Role::Auditor, Some(30)).await;
    sign_in_as(b, &s.base, "abe.auditor", STAFF_PASSWORD).await;
    b.navigate_by("a[href='/console/audit']").await;
    b.fill("#staff", "old.floor").await;
    b.select("#decision", "deny").await;
    b.navigate_by("form[role=search] button").await;
    let table = b.text("table").await;
    assert!(table.contains("read_call_detail") && table.contains("deny"), "{table}");
    shot(b, "auditor-audit-log").await;
    b.find("a[href^='/console/audit/export']").await;
}
