//! The customer's own consent on the portal, on every backend: without a session the
//! routes answer 401; a customer who set a password in a store visit logs in, opts
//! out of carrier marketing, sees the status, and a confirmation notice is queued in
//! their language in the same transaction.

mod common;

use chrono::{Duration, Utc};
use common::{TestServer, new_account_body, servers_with};
use cpniguard_server::Config;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn call(s: &TestServer, path: &str, body: Value) -> (StatusCode, Value) {
    let r = s.post(path, &s.csr).json(&body).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// In store with a valid photo ID, set the portal password (as http_customer_auth does).
async fn set_password(s: &TestServer, id: &str, password: &str) {
    let (st, v) = call(s, &format!("/api/v1/accounts/{id}/interactions"), json!({"channel": "in_store"})).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let i = v["id"].as_str().unwrap().to_owned();
    let expires = (Utc::now() + Duration::days(300)).date_naive();
    let (st, v) = call(
        s,
        &format!("/api/v1/interactions/{i}/photo-id"),
        json!({"id_type": "drivers_license", "last4": "A123", "expires_on": expires, "name_matched": true}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, v) =
        call(s, &format!("/api/v1/interactions/{i}/credentials"), json!({"kind": "password", "secret": password}))
            .await;
    assert_eq!(st, StatusCode::OK, "{v}");
}

fn scope<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["scopes"].as_array().unwrap().iter().find(|s| s["scope"] == name).unwrap()
}

#[tokio::test]
async fn a_customer_opts_out_on_the_portal_and_is_confirmed() {
    for s in servers_with(Config::default).await {
        let url = s.url("/api/v1/portal/consent");
        // No session: both routes refuse.
        let r = s.http.get(&url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{}", s.backend);
        let r = s.http.post(&url).json(&json!({"action": "opt_out"})).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{}", s.backend);
        // A staff bearer token is not a customer session either.
        let r = s.get("/api/v1/portal/consent", &s.admin).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{}", s.backend);

        let account: Value = s
            .post("/api/v1/accounts", &s.csr)
            .json(&new_account_body(&format!("P-{}", s.backend), "+18015550610"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = account["id"].as_str().unwrap().to_owned();
        set_password(&s, &id, "a long online secret").await;
        let ok = s
            .http
            .post(s.url("/api/v1/portal/login"))
            .json(&json!({"email": "maria@example.com", "password": "a long online secret"}))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        let cookie = ok.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();

        let before: Value = s.http.get(&url).header("cookie", &cookie).send().await.unwrap().json().await.unwrap();
        assert_eq!(before["account_id"], id.as_str());
        assert_eq!(scope(&before, "carrier_marketing")["state"], "no_notice");

        let r = s
            .http
            .post(&url)
            .header("cookie", &cookie)
            .json(&json!({"scope": "carrier_marketing", "action": "opt_out"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{}", s.backend);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["recorded"].as_array().unwrap().len(), 1, "{body}");
        assert_eq!(body["notices_queued"].as_array().unwrap().len(), 1, "{body}");
        assert_eq!(scope(&body["status"], "carrier_marketing")["state"], "opted_out");

        let after: Value = s.http.get(&url).header("cookie", &cookie).send().await.unwrap().json().await.unwrap();
        assert_eq!(scope(&after, "carrier_marketing")["state"], "opted_out");
        assert_eq!(scope(&after, "carrier_marketing")["usable"], false);
        assert_eq!(scope(&after, "partner_sharing")["state"], "no_notice", "only the scope asked for");

        // Recorded as the customer's own choice on the portal, in their session.
        let history: Value = s
            .get(&format!("/api/v1/accounts/{id}/consent/history"), &s.csr)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let events = history["events"].as_array().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0]["channel"].as_str(), events[0]["recorded_by"].as_str()),
            (Some("portal"), Some("customer"))
        );
        assert!(events[0]["evidence"]["interaction_id"].is_string());

        // The confirmation is in the outbox, in Spanish.
        let notices: Value = s
            .get("/api/v1/notices", &s.admin)
            .query(&[("account", id.as_str())])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let confirmations: Vec<&Value> =
            notices["notices"].as_array().unwrap().iter().filter(|n| n["template"] == "consent-confirmation").collect();
        assert_eq!(confirmations.len(), 1, "{notices}");
        assert_eq!(confirmations[0]["language"], "es");

        // After logout the session no longer works.
        let r = s.http.post(s.url("/api/v1/portal/logout")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let r = s.http.get(&url).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
}
