//! Health, authentication, roles, problem+json, limits and the OpenAPI document.

mod common;

use common::{new_account_body, servers, servers_with};
use reqwest::StatusCode;
use serde_json::Value;

fn is_problem(r: &reqwest::Response) -> bool {
    r.headers().get("content-type").and_then(|v| v.to_str().ok()) == Some("application/problem+json")
}

async fn problem(r: reqwest::Response) -> Value {
    assert!(is_problem(&r), "expected problem+json, got {:?}", r.headers().get("content-type"));
    r.json().await.unwrap()
}

#[tokio::test]
async fn health_and_readiness() {
    for s in servers().await {
        let r = s.http.get(s.url("/healthz")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", s.backend);
        assert!(r.headers().contains_key("x-request-id"));
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert_eq!(r.headers()["cache-control"], "no-store");
        let r = s.http.get(s.url("/readyz")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.json::<Value>().await.unwrap()["database"], "ok");
    }
}

#[tokio::test]
async fn api_needs_a_valid_token_and_the_right_role() {
    for s in servers().await {
        let r = s.http.get(s.url("/api/v1/accounts")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{}", s.backend);
        assert!(r.headers().contains_key("www-authenticate"));
        assert_eq!(problem(r).await["code"], "unauthenticated");

        let forged = format!("cpg_{}", "A".repeat(43));
        let r = s.get("/api/v1/accounts", &forged).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

        // Marketing staff have no business looking up customer accounts.
        let r = s.get("/api/v1/accounts", &s.marketing).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let p = problem(r).await;
        assert_eq!(p["code"], "forbidden");
        assert!(p["detail"].as_str().unwrap().contains("csr"), "the refusal says who may: {p}");

        let r = s.get("/api/v1/accounts", &s.csr).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn repeated_bad_tokens_from_one_source_are_rate_limited() {
    let config = || {
        let mut c = cpniguard_server::Config::default();
        c.security.auth_failures_allowed = 3;
        c
    };
    for s in servers_with(config).await {
        let forged = format!("cpg_{}", "B".repeat(43));
        for _ in 0..3 {
            let r = s.get("/api/v1/accounts", &forged).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
        // Now unknown tokens from the same source wait out the block...
        let r = s.get("/api/v1/accounts", &forged).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{}", s.backend);
        assert!(r.headers().contains_key("retry-after"));
        assert_eq!(problem(r).await["code"], "rate_limited");
        // ...but a valid token is checked first and never refused for them (issue 18).
        let r = s.get("/api/v1/accounts", &s.admin).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", s.backend);
    }
}

#[tokio::test]
async fn bad_input_gets_precise_problems() {
    for s in servers().await {
        let post = |body: &str| {
            s.post("/api/v1/accounts", &s.admin).header("content-type", "application/json").body(body.to_owned())
        };
        let r = post("{\"account_number\": ").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{}", s.backend);
        assert_eq!(problem(r).await["code"], "malformed_json");

        let mut body = new_account_body("A-2000", "+18015550100");
        body["favourite_colour"] = "blue".into();
        let r = post(&body.to_string()).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p = problem(r).await;
        assert!(p["detail"].as_str().unwrap().contains("favourite_colour"), "{p}");

        let body = new_account_body("A-2000", "555-0100");
        let r = post(&body.to_string()).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p = problem(r).await;
        let detail = p["detail"].as_str().unwrap();
        assert!(detail.contains("telephone_numbers") && detail.contains("telephone number"), "{p}");

        let mut body = new_account_body("A-2000", "+18015550100");
        body["email"] = "maria.example.com".into();
        let r = post(&body.to_string()).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(problem(r).await["detail"].as_str().unwrap().contains("email"));

        let mut body = new_account_body("A-2000", "+18015550100");
        body["postal_address"]["zip"] = "ABCDE".into();
        let r = post(&body.to_string()).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem(r).await["field"], "postal_address.zip");

        let r = s
            .post("/api/v1/accounts", &s.admin)
            .body(new_account_body("A-2000", "+18015550100").to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(is_problem(&r));

        let mut body = new_account_body("A-2000", "+18015550100");
        body["name"] = "x".repeat(2 * 1024 * 1024).into();
        let r = post(&body.to_string()).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(problem(r).await["code"], "payload_too_large");

        // Nothing above was stored.
        assert_eq!(s.store.counts().await.unwrap().accounts, 0);

        let r = s.get("/api/v1/nothing-here", &s.admin).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(is_problem(&r));
        // A malformed id is a malformed request (422 naming the parameter), not a
        // missing record.
        let r = s.get("/api/v1/accounts/not-a-uuid", &s.admin).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem(r).await["field"], "id");
        let r = s.http.delete(s.url("/healthz")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(is_problem(&r));
    }
}

#[tokio::test]
async fn openapi_document_is_served_and_describes_the_api() {
    for s in servers().await {
        let r = s.http.get(s.url("/api/v1/openapi.json")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let text = r.text().await.unwrap();
        let doc: utoipa::openapi::OpenApi = serde_json::from_str(&text).expect("a valid OpenAPI document");
        for path in ["/api/v1/accounts", "/api/v1/accounts/{id}", "/api/v1/accounts/{id}/calls", "/healthz"] {
            assert!(doc.paths.paths.contains_key(path), "{path} documented");
        }
        let raw: Value = serde_json::from_str(&text).unwrap();
        assert!(raw["openapi"].as_str().unwrap().starts_with("3."));
        assert!(raw["components"]["securitySchemes"]["bearer"].is_object());

        let r = s.http.get(s.url("/api/docs/")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.text().await.unwrap().contains("swagger"), "the docs UI is served from the binary");
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    for s in servers().await {
        s.get("/api/v1/accounts", &s.csr).send().await.unwrap();
        let text = s.http.get(s.url("/metrics")).send().await.unwrap().text().await.unwrap();
        assert!(text.contains("cpniguard_http_requests_total"), "{}", s.backend);
        assert!(text.contains("route=\"/api/v1/accounts\""));
    }
}

/// The words of a refusal are the API's: the field, and what it accepts; never a Rust
/// type, serde's or axum's message. The same limits and names on every list.
#[tokio::test]
async fn rejections_name_the_field_in_the_api_words() {
    for s in servers().await {
        let refusal = |path: &'static str| {
            let s = &s;
            async move {
                let r = s.get(path, &s.admin).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{} {path}", s.backend);
                problem(r).await
            }
        };
        for (path, field) in [
            ("/api/v1/policy/versions/abc", "version"),
            ("/api/v1/audit/entries?limit=4294967295", "limit"),
            ("/api/v1/accounts?limit=0", "limit"),
            ("/api/v1/accounts?after=-1", "after"),
            ("/api/v1/accounts?limit=ten", "limit"),
        ] {
            let p = refusal(path).await;
            assert_eq!(p["field"], field, "{path}: {p}");
            let detail = p["detail"].as_str().unwrap();
            for internal in ["Cannot parse", "`i32`", "`u32`", "invalid digit"] {
                assert!(!detail.contains(internal), "{path}: {p}");
            }
        }
        let post_body = |body: &'static str| {
            s.post("/api/v1/accounts", &s.admin).header("content-type", "application/json").body(body).send()
        };
        let r = post_body("[1, 2]").await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p = problem(r).await;
        assert_eq!(p["field"], "body", "{p}");
        assert!(!p["detail"].as_str().unwrap().contains("CreateAccountRequest"), "{p}");
        let p = problem(post_body("{}").await.unwrap()).await;
        assert_eq!(p["field"], "account_number", "{p}");
    }
}

/// What the layers below the router answer (unknown path, wrong method, a target too
/// long, a body too large) is problem+json with the same security headers.
#[tokio::test]
async fn errors_below_the_router_are_problems_with_the_security_headers() {
    for s in servers().await {
        let long = format!("/api/v1/accounts?name={}", "n".repeat(9 * 1024));
        let oversized = "x".repeat(2 * 1024 * 1024);
        let answers = [
            (s.get("/api/v1/no-such-thing", &s.admin), StatusCode::NOT_FOUND),
            (s.http.delete(s.url("/api/v1/accounts")).bearer_auth(&s.admin), StatusCode::METHOD_NOT_ALLOWED),
            (s.get(&long, &s.admin), StatusCode::URI_TOO_LONG),
            (
                s.post("/api/v1/accounts", &s.admin).header("content-type", "application/json").body(oversized),
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
        ];
        for (request, status) in answers {
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), status, "{}", s.backend);
            for (name, value) in
                [("x-content-type-options", "nosniff"), ("cache-control", "no-store"), ("x-frame-options", "DENY")]
            {
                assert_eq!(r.headers().get(name).and_then(|v| v.to_str().ok()), Some(value), "{status}: {name}");
            }
            assert_eq!(problem(r).await["status"], status.as_u16());
        }
    }
}
