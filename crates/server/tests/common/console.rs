//! Console fixtures: staff with console passwords, an account whose call detail and
//! invoice carry values that must never appear on a screen before the gate allows
//! them, and a signed-in session over plain HTTP.

use super::TestServer;
use chrono::{Days, Duration, NaiveDate, Utc};
use cpniguard_core::cpni::{CallDetailRecord, CallType, Direction, Invoice, InvoiceLine, LineCategory};
use cpniguard_core::ids::{AccountId, InvoiceId, StaffId};
use cpniguard_core::money::Cents;
use cpniguard_core::phone::PhoneNumber;
use cpniguard_core::staff::{NewStaff, Role, Username};

/// A called number, a duration as the screen writes it, an invoice total: none may
/// appear in any console response before the gate allowed the read.
pub const CALLED_NUMBER: &str = "+13035559876";
pub const DURATION_SHOWN: &str = "12:34";
pub const INVOICE_TOTAL: &str = "$987.65";
pub const CUSTOMER_PASSWORD: &str = "Tortuga-Verde-2024";
pub const STAFF_PASSWORD: &str = "console-password-1";

/// A staff member with `role`, trained `trained_days_ago` days ago (None: never), and
/// the console password [`STAFF_PASSWORD`].
pub async fn console_staff(s: &TestServer, username: &str, role: Role, trained_days_ago: Option<u64>) -> StaffId {
    let today = Utc::now().date_naive();
    let new = NewStaff {
        username: Username::parse(username).unwrap(),
        display_name: format!("Staff {username}"),
        roles: [role].into(),
        training_completed_on: trained_days_ago.map(|d| today.checked_sub_days(Days::new(d)).unwrap()),
    };
    let staff = s.store.create_staff(StaffId::new(), &new, Utc::now()).await.unwrap();
    cpniguard_server::application::staff_passwords::set(
        s.store.as_ref(),
        &s.state.config.customer_auth,
        staff.id,
        STAFF_PASSWORD,
        Utc::now(),
    )
    .await
    .unwrap();
    staff.id
}

/// An account held 90 days, with the online password [`CUSTOMER_PASSWORD`], one call
/// to [`CALLED_NUMBER`] lasting 12:34 yesterday and an invoice of [`INVOICE_TOTAL`].
pub async fn account_with_cpni(s: &TestServer, number: &str, phone: &str) -> AccountId {
    let id = s.account_opened(number, phone, &format!("{}@example.com", number.to_lowercase()), 90, false).await;
    s.set_password(&id.to_string(), CUSTOMER_PASSWORD).await;
    let call = CallDetailRecord {
        id: None,
        account_id: id,
        service_number: PhoneNumber::parse(phone).unwrap(),
        started_at: Utc::now() - Duration::days(1),
        duration_secs: 12 * 60 + 34,
        direction: Direction::Outbound,
        other_party: CALLED_NUMBER.to_owned(),
        destination: "Denver, CO".to_owned(),
        call_type: CallType::LongDistance,
        charge: Some(Cents(42)),
        source_system: "test".to_owned(),
        source_record_id: format!("{number}-1"),
    };
    s.store.insert_calls(&[call]).await.unwrap();
    let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let invoice = Invoice {
        id: InvoiceId::new(),
        account_id: id,
        period_start: day("2026-10-01"),
        period_end: day("2026-10-31"),
        issued_on: day("2026-11-01"),
        due_on: day("2026-11-21"),
        total: Cents(98_765),
        lines: vec![InvoiceLine {
            category: LineCategory::Recurring,
            description: "Business line".to_owned(),
            amount: Cents(98_765),
        }],
    };
    s.store.insert_invoices(&[invoice]).await.unwrap();
    id
}

/// A signed-in console session over HTTP: the `cookie` header value and the CSRF token.
pub async fn sign_in(s: &TestServer, username: &str, password: &str) -> (String, String) {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = http.get(s.url("/console/sign-in")).send().await.unwrap();
    let pre = set_cookie(&form, "cpniguard_console_pre").expect("a pre-session cookie");
    let page = form.text().await.unwrap();
    let csrf = hidden_csrf(&page);
    let r = http
        .post(s.url("/console/sign-in"))
        .header("cookie", &pre)
        .form(&[("csrf", csrf.as_str()), ("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "sign-in as {username}");
    let session = set_cookie(&r, "cpniguard_console").expect("a session cookie");
    let home = http.get(s.url("/console")).header("cookie", &session).send().await.unwrap().text().await.unwrap();
    (session, hidden_csrf(&home))
}

/// `name=value` of a cookie the response sets.
pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .find(|pair| pair.starts_with(&format!("{name}=")) && pair.len() > name.len() + 1)
}

/// The value of the first hidden `csrf` field in a page.
pub fn hidden_csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a csrf field") + "name=\"csrf\" value=\"".len();
    page[at..].split('"').next().unwrap().to_owned()
}

/// What must not be in a response before the gate allowed a read.
pub fn leaked(body: &str) -> Option<&'static str> {
    [CALLED_NUMBER, DURATION_SHOWN, INVOICE_TOTAL].into_iter().find(|m| body.contains(m))
}

/// Open a phone interaction for `account` on the console as the signed-in staff member;
/// its id.
pub async fn open_phone_interaction(s: &TestServer, cookie: &str, csrf: &str, account: &str) -> String {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let open = http
        .post(s.url(&format!("/console/accounts/{account}/interactions")))
        .header("cookie", cookie)
        .form(&[("csrf", csrf), ("channel", "phone")])
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), reqwest::StatusCode::SEE_OTHER, "{}", s.backend);
    open.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().to_owned()
}
