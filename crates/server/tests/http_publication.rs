//! Policy publication (issue 9) end to end: drafts need both languages to publish, a
//! published version is immutable, the public page shows the current version with its
//! "Last revised" date in the chosen language and keeps earlier versions readable, and
//! a material change mails every customer with an email of record exactly once, in
//! their language, as a real SMTP server receives it.

mod common;

use chrono::{Days, Utc};
use common::{TestServer, new_account_body, servers_with};
use cpniguard_notify::Worker;
use cpniguard_notify::testing::SmtpSink;
use cpniguard_server::Config;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

fn config_for(sink: &SmtpSink) -> Config {
    let mut c = Config::default();
    c.notices.email = sink.email_config();
    // The carrier's day is the UTC day, so the test knows what "today" is; and a new
    // account's email counts as of record at once.
    c.carrier.time_zone = "UTC".to_owned();
    c.rules.of_record_days = 0;
    c
}

fn today() -> String {
    Utc::now().date_naive().format("%Y-%m-%d").to_string()
}

fn days_from_today(days: i64) -> String {
    let d = Utc::now().date_naive();
    let d = if days >= 0 { d + Days::new(days as u64) } else { d - Days::new(days.unsigned_abs()) };
    d.format("%Y-%m-%d").to_string()
}

fn text(summary: &str, body: &str) -> Value {
    json!({ "summary": summary, "body": body })
}

fn version_body(effective_on: &str, material: bool, n: u32) -> Value {
    json!({
        "effective_on": effective_on,
        "material": material,
        "en": text(&format!("Change {n} in English"), &format!("# CPNI policy {n}\n\nWe protect your *CPNI*. <script>x</script>")),
        "es": text(&format!("Cambio {n} en español"), &format!("# Política de CPNI {n}\n\nProtegemos su *CPNI*.")),
    })
}

async fn create_version(s: &TestServer, token: &str, body: &Value) -> Value {
    let r = s.post("/api/v1/policy/versions", token).json(body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", s.backend);
    r.json().await.unwrap()
}

async fn publish(s: &TestServer, version: u64) -> reqwest::Response {
    s.post(&format!("/api/v1/policy/versions/{version}/publish"), &s.admin).send().await.unwrap()
}

async fn public_page(
    s: &TestServer,
    path: &str,
    accept_language: Option<&str>,
) -> (reqwest::header::HeaderMap, String) {
    let mut req = s.http.get(s.url(path));
    if let Some(l) = accept_language {
        req = req.header("accept-language", l);
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{} {path}", s.backend);
    let headers = r.headers().clone();
    (headers, r.text().await.unwrap())
}

#[tokio::test]
async fn publishing_needs_both_languages_and_published_versions_are_immutable() {
    let sink = SmtpSink::start();
    for s in servers_with(|| config_for(&sink)).await {
        let b = s.backend;
        // Only the privacy office (and administrators) write the policy.
        let r = s.post("/api/v1/policy/versions", &s.csr).json(&version_body(&today(), false, 1)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{b}");

        let mut only_en = version_body(&today(), false, 1);
        only_en.as_object_mut().unwrap().remove("es");
        let draft = create_version(&s, &s.admin, &only_en).await;
        assert_eq!((draft["version"].as_u64(), draft["status"].as_str()), (Some(1), Some("draft")), "{b}");
        let r = publish(&s, 1).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["field"], "es", "{b}: {problem}");
        // Nothing is public until something is published.
        let r = s.http.get(s.url("/privacy")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{b}");

        // A past effective date is refused; the draft is edited until it is published.
        let r = s.http.put(s.url("/api/v1/policy/versions/1")).bearer_auth(&s.admin);
        let r = r.json(&version_body(&days_from_today(-1), false, 1)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let r = s.http.put(s.url("/api/v1/policy/versions/1")).bearer_auth(&s.admin);
        let edited: Value = r.json(&version_body(&today(), false, 1)).send().await.unwrap().json().await.unwrap();
        assert_eq!(edited["es"]["summary"], "Cambio 1 en español", "{b}");

        let r = publish(&s, 1).await;
        assert_eq!(r.status(), StatusCode::OK, "{b}");
        let published: Value = r.json().await.unwrap();
        assert_eq!(published["status"], "published");
        assert_eq!(published["published_by"], "admin.test");
        assert!(published["mailing"].is_null(), "{b}: not material, no mailing");

        let r = s.http.put(s.url("/api/v1/policy/versions/1")).bearer_auth(&s.admin);
        let r = r.json(&version_body(&today(), true, 9)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "{b}");
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "policy_version_published");
        assert_eq!(publish(&s, 1).await.status(), StatusCode::CONFLICT, "{b}");
        let again: Value = s.get("/api/v1/policy/versions/1", &s.admin).send().await.unwrap().json().await.unwrap();
        assert_eq!(again["en"], published["en"], "{b}: the published text is unchanged");
        assert_eq!(s.get("/api/v1/policy/versions/7", &s.admin).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_public_page_shows_the_current_version_in_the_chosen_language_with_earlier_ones() {
    let sink = SmtpSink::start();
    for s in servers_with(|| config_for(&sink)).await {
        let b = s.backend;
        for (n, effective) in [(1, today()), (2, today()), (3, days_from_today(5))] {
            create_version(&s, &s.admin, &version_body(&effective, false, n)).await;
            assert_eq!(publish(&s, n.into()).await.status(), StatusCode::OK, "{b}");
        }
        // Version 3 takes effect in five days: version 2 is current.
        let (headers, en) = public_page(&s, "/privacy", None).await;
        assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        assert!(headers["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
        assert!(en.contains("<html lang=\"en\">"), "{b}: {en}");
        assert!(en.contains(&format!("Last revised: <time datetime=\"{0}\">{0}</time>", today())), "{b}: {en}");
        assert!(en.contains("<h1>CPNI policy 2</h1>"), "{b}: {en}");
        assert!(en.contains("<em>CPNI</em>"), "{b}");
        assert!(!en.contains("<script"), "{b}: raw HTML in the Markdown is shown as text");
        assert!(en.contains("href=\"/privacy/versions/1?lang=en\""), "{b}: {en}");
        assert!(!en.contains("/privacy/versions/3"), "{b}: not in effect yet");
        assert!(en.contains("href=\"/privacy?lang=es\""), "{b}: the language switch");

        for (path, accept) in [("/privacy", Some("es-MX,es;q=0.9")), ("/privacy?lang=es", Some("en-US"))] {
            let (headers, es) = public_page(&s, path, accept).await;
            assert!(es.contains("<html lang=\"es\">"), "{b} {path}: {es}");
            assert_eq!(headers["content-language"], "es");
            assert!(es.contains(&format!("Última revisión: <time datetime=\"{0}\">{0}</time>", today())), "{b}");
            assert!(es.contains("<h1>Política de CPNI 2</h1>"), "{b}: {es}");
            assert!(es.contains("href=\"/privacy/versions/1?lang=es\""), "{b}");
            assert!(es.contains("Para que no usemos su CPNI en nuestro mercadeo"), "{b}: {es}");
        }
        let (_, en) = public_page(&s, "/privacy?lang=en", Some("es")).await;
        assert!(en.contains("<html lang=\"en\">"), "{b}: ?lang wins over the header");

        // The earlier version stays readable as it was published.
        let (_, old) = public_page(&s, "/privacy/versions/1?lang=es", None).await;
        assert!(old.contains("<h1>Política de CPNI 1</h1>"), "{b}: {old}");
        assert!(old.contains("href=\"/privacy?lang=es\""), "{b}: a link to the current policy");
        for missing in ["/privacy/versions/3", "/privacy/versions/9"] {
            let r = s.http.get(s.url(missing)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{b} {missing}");
        }
        // No material change yet: the home page has no banner.
        let (_, home) = public_page(&s, "/", None).await;
        assert!(home.contains("Example Carrier"), "{b}: {home}");
        assert!(home.contains("href=\"/privacy?lang=en\""), "{b}");
        assert!(!home.contains("We changed our CPNI policy"), "{b}: {home}");

        // The contact points the policy promises, from `[carrier]`, on every page.
        for page in [&en, &old, &home] {
            for contact in [
                "<a href=\"mailto:marketing@carrier.example\">marketing@carrier.example</a>",
                "<a href=\"mailto:privacy@carrier.example\">privacy@carrier.example</a>",
                "The Privacy Office, 100 Main Street, Salt Lake City, UT 84101",
            ] {
                assert!(page.contains(contact), "{b}: {contact} missing: {page}");
            }
        }
    }
}

async fn account(s: &TestServer, n: u32, language: &str, email: Option<&str>) -> String {
    let mut body = new_account_body(&format!("PUB-{}-{n}", s.backend), &format!("+1801555090{n}"));
    body["language"] = json!(language);
    body["name"] = json!(format!("Holder {n}"));
    match email {
        Some(e) => body["email"] = json!(e),
        None => {
            body.as_object_mut().unwrap().remove("email");
        }
    }
    let r = s.post("/api/v1/accounts", &s.csr).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", s.backend);
    r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

async fn finished_mailing(s: &TestServer, version: u64) -> Value {
    let path = format!("/api/v1/policy/versions/{version}/mailing");
    for _ in 0..100 {
        let m: Value = s.get(&path, &s.admin).send().await.unwrap().json().await.unwrap();
        if !m["finished_at"].is_null() {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{}: the mailing did not finish", s.backend);
}

#[tokio::test]
async fn a_material_change_mails_each_customer_once_in_their_language_and_shows_a_banner() {
    let sink = SmtpSink::start();
    for s in servers_with(|| config_for(&sink)).await {
        let b = s.backend;
        let addresses =
            [format!("ana.{b}@example.com"), format!("luis.{b}@example.com"), format!("eve.{b}@example.com")];
        account(&s, 1, "en", Some(&addresses[0])).await;
        account(&s, 2, "es", Some(&addresses[1])).await;
        account(&s, 3, "en", Some(&addresses[2])).await;
        account(&s, 4, "es", None).await;

        create_version(&s, &s.admin, &version_body(&today(), true, 1)).await;
        let published: Value = publish(&s, 1).await.json().await.unwrap();
        assert!(published["mailing"]["total"].as_u64() == Some(3), "{b}: {published}");
        let mailing = finished_mailing(&s, 1).await;
        assert_eq!((mailing["total"].as_u64(), mailing["queued"].as_u64()), (Some(3), Some(3)), "{b}: {mailing}");
        assert_eq!(mailing["delivery"]["queued"], 3, "{b}: {mailing}");
        // Resuming a finished mailing, or publishing again, queues nothing more.
        let r = s.post("/api/v1/policy/versions/1/mailing/resume", &s.admin).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED, "{b}");
        assert_eq!(publish(&s, 1).await.status(), StatusCode::CONFLICT, "{b}");
        assert_eq!(finished_mailing(&s, 1).await["queued"], 3, "{b}");
        let r = s.get("/api/v1/policy/versions/1/mailing", &s.csr).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{b}");

        let config = config_for(&sink);
        let worker = Worker::new(s.store.clone(), config.notices.clone(), config.carrier_info()).unwrap();
        let before = sink.messages().len();
        worker.run_once(Utc::now()).await.unwrap();
        let mail = sink.wait_for(before + 3, Duration::from_secs(10)).await;
        let mut by_address: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for m in &mail[before..] {
            let subject = m.subject().unwrap_or_default();
            if subject.contains("CPNI") {
                for to in &m.to {
                    by_address.entry(to.clone()).or_default().push(subject.clone());
                }
            }
        }
        assert_eq!(by_address.len(), 3, "{b}: {by_address:?}");
        assert_eq!(by_address[&addresses[0]], ["We are changing our CPNI privacy policy - Example Carrier"], "{b}");
        assert_eq!(
            by_address[&addresses[1]],
            ["Cambiamos nuestra política de privacidad de CPNI - Example Carrier"],
            "{b}"
        );
        assert_eq!(by_address[&addresses[2]].len(), 1, "{b}");
        let es = mail[before..].iter().find(|m| m.to == [addresses[1].clone()]).unwrap();
        let es_text = es.text().unwrap();
        assert!(es_text.contains("Cambio 1 en español"), "{b}: the Spanish summary: {es_text}");
        assert!(es_text.contains("https://carrier.example/privacy?lang=es"), "{b}: {es_text}");
        let progress = finished_mailing(&s, 1).await;
        assert_eq!(progress["delivery"]["sent"], 3, "{b}: the privacy office sees the deliveries: {progress}");

        // The home page announces the change, in either language, with a link to it.
        let (_, home) = public_page(&s, "/", None).await;
        assert!(
            home.contains(&format!(
                "We changed our CPNI policy on {} — <a href=\"/privacy?lang=en\">read it</a>",
                today()
            )),
            "{b}: {home}"
        );
        let (_, inicio) = public_page(&s, "/", Some("es")).await;
        assert!(inicio.contains(&format!("Cambiamos nuestra política de CPNI el {}", today())), "{b}: {inicio}");
    }
}
