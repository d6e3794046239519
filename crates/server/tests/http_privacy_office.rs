//! The privacy office over HTTP (issue 9), on every available backend: training
//! records (one, and a CSV import with its refused rows kept) moving the disclosure
//! gate's input; discipline; the annual certification for a seeded year whose figures
//! match the records, as JSON, HTML and a PDF that parses; draft → signed → filed;
//! the dashboard; and the daily reminders.

mod common;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use common::{TestServer, servers};
use cpniguard_core::account::Language;
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::StaffId;
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind};
use cpniguard_core::staff::{NewStaff, Role, Username};
use cpniguard_store::NoticeQuery;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The year certified: the last one that is over.
fn year() -> i32 {
    Utc::now().year() - 1
}

fn day(year: i32, month: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, d).unwrap()
}

fn noon(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(12, 0, 0).unwrap())
}

async fn send(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A staff member who joined early in the certified year.
async fn staff(s: &TestServer, username: &str, trained: Option<NaiveDate>) {
    let new = NewStaff {
        username: Username::parse(username).unwrap(),
        display_name: username.to_owned(),
        roles: [Role::Csr].into(),
        training_completed_on: trained,
    };
    s.store.create_staff(StaffId::new(), &new, noon(day(year(), 1, 10))).await.unwrap();
}

async fn gate_input(s: &TestServer, username: &str) -> Option<NaiveDate> {
    let u = Username::parse(username).unwrap();
    s.store.get_staff_by_username(&u).await.unwrap().unwrap().training_completed_on
}

fn notice(kind: NoticeKind, key: &str) -> NewNotice {
    NewNotice {
        id: NoticeId::new(),
        account_id: None,
        kind,
        channel: Channel::Email,
        destination: Destination::Email { address: EmailAddress::parse("someone@example.com").unwrap() },
        template: kind.template().to_owned(),
        language: Language::En,
        params: BTreeMap::new(),
        idempotency_key: key.to_owned(),
        not_before: Utc::now(),
    }
}

/// Staff, training, discipline, change notices and breach incidents, in and just
/// outside the certified year.
async fn seed(s: &TestServer) {
    let y = year();
    staff(s, "ana.csr", None).await;
    staff(s, "ben.csr", Some(day(y - 1, 3, 1))).await;
    staff(s, "carl.csr", Some(day(y - 1, 6, 1))).await;

    // One record through the API: the gate's input moves with it.
    let body = json!({"username": "ana.csr", "course": "CPNI basics", "completed_on": day(y, 11, 15)});
    let (status, record) = send(s.post("/api/v1/privacy-office/training", &s.admin).json(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{record}");
    assert_eq!(record["expires_on"], json!(day(y + 1, 11, 15)));
    assert_eq!(gate_input(s, "ana.csr").await, Some(day(y, 11, 15)));

    // A CSV import: the good row is imported, each bad one refused with its line and kept.
    let csv = format!(
        "username,course,completed_on,expires_on\n\
         ben.csr,\"CPNI basics, part 1\",{y}-02-01,\n\
         nobody,CPNI basics,{y}-02-01,\n\
         carl.csr,CPNI basics,not-a-date,\n\
         carl.csr,CPNI basics,{y}-02-01,{y}-01-01\n"
    );
    let req = s.post("/api/v1/privacy-office/training/import", &s.admin).header("content-type", "text/csv").body(csv);
    let (status, import) = send(req).await;
    assert_eq!(status, StatusCode::OK, "{import}");
    assert_eq!(import["imported"], 1);
    let lines: Vec<u64> = import["rejected"].as_array().unwrap().iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [3, 4, 5]);
    assert!(import["rejected"][0]["reason"].as_str().unwrap().contains("nobody"));
    assert_eq!(gate_input(s, "ben.csr").await, Some(day(y, 2, 1)));
    let (_, kept) = send(s.get("/api/v1/privacy-office/training/import-rejects", &s.admin)).await;
    assert_eq!(kept.as_array().unwrap().len(), 3);
    assert!(kept.as_array().unwrap().iter().any(|r| r["raw"] == "carl.csr,CPNI basics,not-a-date,"));
    let (status, v) = send(s.post("/api/v1/privacy-office/training/import", &s.admin).json(&json!({}))).await;
    assert_eq!((status, v["code"].as_str()), (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("unsupported_media_type")));
    let req = s.post("/api/v1/privacy-office/training/import", &s.admin).header("content-type", "text/csv");
    let (status, v) = send(req.body("name,course\nana,x\n")).await;
    assert_eq!((status, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_csv")), "{v}");
    let (_, listed) = send(s.get("/api/v1/privacy-office/training?username=ben.csr", &s.admin)).await;
    assert_eq!(listed[0]["course"], "CPNI basics, part 1");

    // Discipline: one in the year, one this year (in the carrier's time zone too).
    let this_year = (Utc::now() - chrono::Duration::days(2)).date_naive().max(day(y + 1, 1, 1));
    for occurred_on in [day(y, 7, 1), this_year] {
        let body = json!({"username": "carl.csr", "occurred_on": occurred_on, "misuse": "looked up a neighbour's calls", "action": "warning"});
        let (status, v) = send(s.post("/api/v1/privacy-office/discipline", &s.admin).json(&body)).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }

    // Change notices in the year (and one after it, and one that is not a change notice).
    let in_year = [
        notice(NoticeKind::PasswordChanged, "p1"),
        notice(NoticeKind::PasswordChanged, "p2"),
        notice(NoticeKind::EmailAddressChanged, "e1"),
        notice(NoticeKind::BreachReminder, "b1"),
    ];
    s.store.enqueue_notices(&in_year, noon(day(y, 5, 1))).await.unwrap();
    s.store.enqueue_notices(&[notice(NoticeKind::PasswordChanged, "p3")], noon(day(y + 1, 1, 2))).await.unwrap();

    // Complaints received in the year (and one after it), actions against data brokers.
    for (category, received) in [
        ("unauthorised_release_of_cpni", noon(day(y, 3, 3))),
        ("marketing_contact", noon(day(y, 9, 9))),
        ("unauthorised_release_of_cpni", noon(day(y + 1, 1, 3))),
    ] {
        let body = json!({"category": category, "channel": "letter", "subject": "s", "description": "d", "contact": "po box 1", "received_at": received});
        let (status, v) = send(s.post("/api/v1/complaints", &s.admin).json(&body)).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }
    for taken_on in [day(y, 4, 4), day(y + 1, 1, 4)] {
        let body = json!({"taken_on": taken_on, "party": "Data Finders LLC", "action": "cease_and_desist", "description": "pretexting calls"});
        let (status, v) = send(s.post("/api/v1/broker-actions", &s.admin).json(&body)).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }

    // A breach determined in the year, and one determined after it.
    for determined in [noon(day(y, 8, 2)), Utc::now()] {
        let body = json!({"discovered_at": determined, "determined_at": determined, "description": "records read without cause"});
        let (status, v) = send(s.post("/api/v1/breach/incidents", &s.admin).json(&body)).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }
}

fn certification_url(params: &str) -> String {
    format!("/api/v1/privacy-office/certifications/{}{params}", year())
}

#[tokio::test]
async fn the_certification_of_a_seeded_year_matches_its_records() {
    for s in servers().await {
        let y = year();
        seed(&s).await;
        let officer = "?officer_name=Rosa%20D%C3%ADaz&officer_title=Chief%20Privacy%20Officer";
        let (status, f) = send(s.get(&certification_url(&format!("{officer}&format=json")), &s.admin)).await;
        assert_eq!(status, StatusCode::OK, "{}: {f}", s.backend);
        assert_eq!(f["period"]["year"], y);
        assert_eq!(f["due_on"], json!(day(y + 1, 3, 1)));
        assert_eq!(f["carrier"]["name"], "Example Carrier");
        assert_eq!(f["officer"]["name"], "Rosa Díaz");
        // ana (trained in the year), ben (imported), carl (lapsed); the test's own
        // staff joined after the year and do not count.
        assert_eq!(f["training"]["staff"], 3, "{}", f["training"]);
        assert_eq!(f["training"]["trained_in_year"], 2);
        assert_eq!(f["training"]["current_at_year_end"], 2);
        assert_eq!(f["training"]["completions"], 2);
        assert_eq!(f["training"]["disciplinary_actions"], 1);
        assert_eq!(f["training"]["disciplinary_by_action"], json!({"warning": 1}));
        assert_eq!(f["change_notices"]["total"], 3);
        assert_eq!(f["change_notices"]["by_kind"], json!({"password_changed": 2, "email_address_changed": 1}));
        assert_eq!(f["breaches"]["incidents"], 1);
        assert_eq!(f["breaches"]["by_state"], json!({"open": 1}));
        assert_eq!(f["approval"]["opt_outs"], 0);
        assert_eq!(f["complaints"]["total"], 2, "{}", f["complaints"]);
        assert_eq!(f["complaints"]["by_category"]["unauthorised_release_of_cpni"], 1);
        assert_eq!(f["complaints"]["by_category"]["marketing_contact"], 1);
        assert_eq!(f["complaints"]["unauthorised_release_by_status"]["open"], 1);
        assert_eq!(f["broker_actions"], json!({"total": 1, "by_action": {"cease_and_desist": 1}}));

        let (status, html) = {
            let r = s.get(&certification_url(&format!("{officer}&format=html")), &s.admin).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        };
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&format!("CPNI Certification for {y}</h1>")), "{html}");
        assert!(html.contains("I, Rosa Díaz, certify that I am an officer of Example Carrier"));
        assert!(html.contains("Of 3 staff members, 2 completed CPNI training"));

        let r = s.get(&certification_url(&format!("{officer}&format=pdf")), &s.admin).send().await.unwrap();
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let pdf = r.bytes().await.unwrap();
        let doc = lopdf::Document::load_mem(&pdf).expect("the certification is a valid PDF");
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        let text = doc.extract_text(&pages).unwrap();
        for expected in ["Example Carrier", &format!("CPNI Certification for {y}"), "Rosa Díaz", "3 notices"] {
            assert!(text.contains(expected), "{expected:?} is not in the PDF: {text}");
        }

        // The role table: a CSR sees none of it.
        let (status, _) = send(s.get(&certification_url(""), &s.csr)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = send(s.get("/api/v1/privacy-office/training", &s.csr)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_certification_is_drafted_signed_and_filed_with_reminders_until_then() {
    for s in servers().await {
        let y = year();
        seed(&s).await;
        let state = s.state.clone();

        // Not drafted and past due (March 1 of this year) or within the lead time.
        let tick = cpniguard_server::privacy_jobs::run_once(&state, Utc::now()).await.unwrap();
        assert!(tick.certification_due, "{}", s.backend);
        let again = cpniguard_server::privacy_jobs::run_once(&state, Utc::now()).await.unwrap();
        assert_eq!(again.queued, 0, "a second run the same day queues nothing");
        let query = NoticeQuery {
            account: None,
            status: None,
            kind: Some(NoticeKind::TrainingReminder),
            after: None,
            limit: 100,
        };
        let reminders = s.store.list_notices(&query).await.unwrap().notices;
        assert!(reminders.iter().any(|n| n.params["staff"] == "carl.csr (carl.csr)"), "carl's training lapsed");
        assert!(!reminders.iter().any(|n| n.params["staff"].contains("admin.test")));

        let (status, v) = send(s.post(&certification_url("/draft"), &s.admin).json(&json!({}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "no officer configured or given: {v}");
        assert_eq!(v["field"], "officer_name");
        let officer = json!({"officer_name": "Rosa Díaz", "officer_title": "Chief Privacy Officer"});
        let (status, draft) = send(s.post(&certification_url("/draft"), &s.admin).json(&officer)).await;
        assert_eq!(status, StatusCode::OK, "{draft}");
        assert_eq!(
            (draft["status"].as_str(), draft["figures"]["training"]["completions"].as_u64()),
            (Some("draft"), Some(2))
        );
        let (status, v) = send(s.post(&certification_url("/file"), &s.admin).json(&json!({"reference": "X"}))).await;
        assert_eq!((status, v["code"].as_str()), (StatusCode::CONFLICT, Some("certification_status")));

        let (status, signed) = send(s.post(&certification_url("/sign"), &s.admin)).await;
        assert_eq!(status, StatusCode::OK, "{signed}");
        assert_eq!(signed["signed_by"], "admin.test");
        // Signed figures are frozen: a later record does not change the document.
        let body = json!({"username": "carl.csr", "course": "CPNI basics", "completed_on": day(y, 12, 1)});
        assert_eq!(send(s.post("/api/v1/privacy-office/training", &s.admin).json(&body)).await.0, StatusCode::CREATED);
        let (_, f) = send(s.get(&certification_url(""), &s.admin)).await;
        assert_eq!(f["training"]["completions"], 2);
        let (status, v) = send(s.post(&certification_url("/draft"), &s.admin).json(&officer)).await;
        assert_eq!((status, v["code"].as_str()), (StatusCode::CONFLICT, Some("certification_signed")));

        let filing = json!({"reference": "EB-06-36-2026-0042"});
        let (status, filed) = send(s.post(&certification_url("/file"), &s.admin).json(&filing)).await;
        assert_eq!(status, StatusCode::OK, "{filed}");
        assert_eq!((filed["status"].as_str(), filed["overdue"].as_bool()), (Some("filed"), Some(false)));
        assert_eq!(filed["filing_reference"], "EB-06-36-2026-0042");

        let (status, d) = send(s.get("/api/v1/privacy-office/dashboard", &s.admin)).await;
        assert_eq!(status, StatusCode::OK, "{d}");
        assert_eq!(d["next_certification"]["year"], y + 1);
        assert_eq!(d["next_certification"]["status"], "not_drafted");
        assert_eq!(d["next_certification"]["due_on"], json!(day(y + 2, 3, 1)));
        assert_eq!(d["breach_clocks"]["open_incidents"], 2);
        assert_eq!(d["quarantined_mail"], 0);
        let lapsing = d["lapsing_training"].as_array().unwrap();
        assert!(!lapsing.iter().any(|l| l["username"] == "admin.test"));
        let (_, listed) = send(s.get("/api/v1/privacy-office/certifications", &s.admin)).await;
        assert_eq!(listed[0]["year"], y);
        assert_eq!(send(s.get("/api/v1/privacy-office/dashboard", &s.csr)).await.0, StatusCode::FORBIDDEN);
    }
}
