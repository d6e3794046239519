//! A call back placed through the voice channel and confirmed by the telephony
//! platform, not by the CSR's word (issue 18), on every available backend.

mod common;

use common::servers_with;
use cpniguard_core::notice::{Channel, NoticeKind};
use cpniguard_notify::Secret;
use cpniguard_server::Config;
use cpniguard_store::NoticeQuery;
use reqwest::StatusCode;
use serde_json::{Value, json};

const PLATFORM_SECRET: &str = "Bearer telephony-shared-secret";

fn with_voice() -> Config {
    let mut c = Config::default();
    c.notices.worker.enabled = false;
    c.notices.webhook.enabled = true;
    c.notices.webhook.url = "http://127.0.0.1:9/messages".to_owned();
    c.notices.webhook.auth_value = Some(Secret::new(PLATFORM_SECRET));
    c
}

#[tokio::test]
async fn with_a_voice_channel_the_platform_confirms_the_call_back_and_the_csr_cannot() {
    for s in servers_with(with_voice).await {
        let id = s.account_opened("CALLBACK-1", "+18015558101", "cb@example.com", 40, false).await;
        let i = s.open_interaction(&s.csr, &id.to_string(), "phone").await;
        let r = s.post(&format!("/api/v1/interactions/{i}/call-back"), &s.csr).json(&json!({})).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", s.backend);
        let placed: Value = r.json().await.unwrap();
        let query =
            NoticeQuery { account: Some(id), status: None, kind: Some(NoticeKind::CallBack), after: None, limit: 5 };
        let calls = s.store.list_notices(&query).await.unwrap().notices;
        assert_eq!(calls.len(), 1, "{}: one voice call queued", s.backend);
        assert_eq!(calls[0].channel, Channel::Voice);
        assert_eq!(placed["call_placed"], calls[0].id.to_string());

        let r = s
            .post(&format!("/api/v1/interactions/{i}/call-back/confirm"), &s.csr)
            .json(&json!({"number": "+18015558101"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "{}: the CSR's word does not complete it", s.backend);

        let answered = |secret: &'static str| {
            s.http
                .post(s.url("/api/v1/telephony/call-backs/answered"))
                .header("authorization", secret)
                .json(&json!({"idempotency_key": calls[0].idempotency_key}))
                .send()
        };
        assert_eq!(answered("Bearer guessed").await.unwrap().status(), StatusCode::UNAUTHORIZED);
        let r = answered(PLATFORM_SECRET).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", s.backend);

        let v: Value = s.get(&format!("/api/v1/interactions/{i}"), &s.csr).send().await.unwrap().json().await.unwrap();
        assert_eq!(v["summary"]["call_detail"], "open", "{}: the answered call back authenticates: {v}", s.backend);
        let evidence = &v["evidence"][0];
        assert_eq!(evidence["kind"], "call_back_completed");
        assert_eq!(evidence["staff_attested"], false, "{evidence}");
        assert!(evidence["detail"].as_str().unwrap().starts_with("confirmed by the telephony platform"));
    }
}

#[tokio::test]
async fn without_a_voice_channel_the_csr_confirms_and_the_evidence_says_staff_attested() {
    for s in servers_with(Config::default).await {
        let id = s.account_opened("CALLBACK-2", "+18015558102", "cb2@example.com", 40, false).await;
        let i = s.open_interaction(&s.csr, &id.to_string(), "phone").await;
        let r = s
            .post(&format!("/api/v1/interactions/{i}/call-back/confirm"), &s.csr)
            .json(&json!({"number": "+18015558102"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", s.backend);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["evidence"][0]["staff_attested"], true, "{v}");
        assert!(v["evidence"][0]["detail"].as_str().unwrap().starts_with("staff-attested"), "{v}");
        let r = s
            .http
            .post(s.url("/api/v1/telephony/call-backs/answered"))
            .json(&json!({"idempotency_key": format!("{i}:call-back:x")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "no platform configured");
    }
}
