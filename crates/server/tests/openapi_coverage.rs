//! The OpenAPI document against the router, over HTTP on a real server: every
//! customer-authentication and portal route is documented with its method, and every
//! documented operation is routed (answers anything but the "no such endpoint" 404).

mod common;

use common::routes::route_table;
use common::servers;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The customer-authentication routes as `api::customer_auth::{routes, portal_routes}`
/// declare them. This list must follow the router: add a route there, add it here (and
/// document it in `customer_auth::Doc`).
const CUSTOMER_AUTH_ROUTES: &[(&str, &str)] = &[
    // Staff: interactions and their evidence (bearer, `authenticate_customers`).
    ("post", "/api/v1/accounts/{id}/interactions"),
    ("get", "/api/v1/interactions/{id}"),
    ("post", "/api/v1/interactions/{id}/verify"),
    ("post", "/api/v1/interactions/{id}/photo-id"),
    ("post", "/api/v1/interactions/{id}/call-back"),
    ("post", "/api/v1/interactions/{id}/call-back/confirm"),
    ("post", "/api/v1/interactions/{id}/volunteered"),
    ("post", "/api/v1/interactions/{id}/contract"),
    ("post", "/api/v1/interactions/{id}/credentials"),
    ("post", "/api/v1/interactions/{id}/deliveries"),
    // Staff: the privacy officer's locks and signals (bearer, `manage_customer_auth`).
    ("get", "/api/v1/auth-locks"),
    ("delete", "/api/v1/accounts/{id}/auth-lock"),
    ("get", "/api/v1/accounts/{id}/auth-lock/lifts"),
    ("get", "/api/v1/pretexting-signals"),
    // Staff: the contract exemption (bearer, `set_business_exemption`; history `read_accounts`).
    ("put", "/api/v1/accounts/{id}/business-exemption"),
    ("delete", "/api/v1/accounts/{id}/business-exemption"),
    ("get", "/api/v1/accounts/{id}/business-exemption/history"),
    // Portal: customers (session cookie) and recovery (no credentials).
    ("post", "/api/v1/portal/login"),
    ("post", "/api/v1/portal/logout"),
    ("get", "/api/v1/portal/session"),
    ("post", "/api/v1/portal/credentials"),
    ("post", "/api/v1/portal/deliveries"),
    ("post", "/api/v1/portal/recovery"),
    ("post", "/api/v1/portal/recovery/complete"),
];

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(s: &common::TestServer) -> Value {
    let r = s.http.get(s.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

fn problem_json(op: &Value, status: &str) -> bool {
    op["responses"][status]["content"]["application/problem+json"].is_object()
}

#[tokio::test]
async fn every_customer_auth_and_portal_route_is_documented_with_its_method() {
    for s in servers().await {
        let doc = document(&s).await;
        let paths = doc["paths"].as_object().expect("paths");
        for (method, path) in CUSTOMER_AUTH_ROUTES {
            let op = &paths.get(*path).unwrap_or_else(|| panic!("{}: {path} is not documented", s.backend))[*method];
            assert!(op.is_object(), "{}: {method} {path} is not documented", s.backend);
            let tags: Vec<&str> = op["tags"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
            let security = op["security"].to_string();
            if path.starts_with("/api/v1/portal/") {
                assert_eq!(tags, ["portal"], "{method} {path}");
                assert!(!security.contains("bearer"), "{method} {path}: {security}");
            } else {
                assert_eq!(tags, ["customer_authentication"], "{method} {path}");
                assert!(security.contains("bearer"), "{method} {path}: staff routes need the bearer token");
            }
            let documented_errors: Vec<&String> =
                op["responses"].as_object().unwrap().keys().filter(|k| k.starts_with('4')).collect();
            assert!(!documented_errors.is_empty(), "{method} {path}: no error responses");
            for status in documented_errors {
                assert!(problem_json(op, status), "{method} {path} {status}: not application/problem+json");
            }
        }
        // The portal routes that need a session say so with the cookie scheme.
        let cookie = &doc["components"]["securitySchemes"]["cpniguard_session"];
        assert_eq!(cookie["type"], "apiKey", "{cookie}");
        assert_eq!(cookie["in"], "cookie");
        assert_eq!(cookie["name"], "cpniguard_session");
        assert!(doc["paths"]["/api/v1/portal/session"]["get"]["security"].to_string().contains("cpniguard_session"));
        // Both tags are described, and no request or response schema carries a stored
        // secret's hash. (The audit chain's own hashes are public by design: they are
        // what an auditor verifies.)
        let tags = doc["tags"].to_string();
        assert!(tags.contains("\"customer_authentication\"") && tags.contains("\"portal\""), "{tags}");
        let chain = ["AuditEntry", "Checkpoint", "ChainHead", "ChainHash"];
        for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
            if chain.contains(&name.as_str()) {
                continue;
            }
            let schema = schema.to_string();
            for leak in ["\"hash\"", "token_hash", "session_hash"] {
                assert!(!schema.contains(leak), "the schema {name} documents {leak}");
            }
        }
        assert_eq!(doc["components"]["schemas"]["Secret"]["format"], "password");
    }
}

/// The fallback's answer for a path no route matches.
fn is_no_such_endpoint(status: StatusCode, body: &Value) -> bool {
    status == StatusCode::NOT_FOUND
        && body["code"] == "not_found"
        && body["detail"].as_str().is_some_and(|d| d.starts_with("no such endpoint"))
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    for s in servers().await {
        let doc = document(&s).await;
        // The detector itself: an unrouted path gets the fallback's answer.
        let r = s.get("/api/v1/no-such-route", &s.admin).send().await.unwrap();
        let status = r.status();
        assert!(is_no_such_endpoint(status, &r.json().await.unwrap()), "the fallback answer changed");
        let mut checked = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let concrete: String = fill_parameters(path);
                let mut req =
                    s.http.request(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), s.url(&concrete));
                if op["security"].to_string().contains("bearer") {
                    req = req.bearer_auth(&s.admin);
                }
                if matches!(method, "post" | "put" | "patch") {
                    req = req.json(&serde_json::json!({}));
                }
                let r = req.send().await.unwrap();
                let status = r.status();
                let body: Value = r.json().await.unwrap_or(Value::Null);
                assert!(
                    !is_no_such_endpoint(status, &body),
                    "{}: {method} {path} is documented but not routed",
                    s.backend
                );
                assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{}: {method} {path}: method not routed", s.backend);
                checked += 1;
            }
        }
        assert!(checked >= CUSTOMER_AUTH_ROUTES.len(), "only {checked} operations documented");
    }
}

/// The path with every `{parameter}` replaced by a random UUID.
fn fill_parameters(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e + 1);
        out.push_str(&rest[..start]);
        out.push_str(&uuid::Uuid::new_v4().to_string());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn parameters_are_filled() {
    let p = fill_parameters("/api/v1/accounts/{id}/x/{other}");
    assert!(p.starts_with("/api/v1/accounts/") && !p.contains('{') && p.len() == "/api/v1/accounts//x/".len() + 72);
}

/// The other direction, from the router itself: every operation the API serves is in
/// the document, so what the document says a route returns (and the gate coverage
/// test reads from it) covers every route.
#[tokio::test]
async fn every_routed_operation_is_documented() {
    for s in servers().await {
        let doc = document(&s).await;
        let routes = route_table(&cpniguard_server::router(s.state.clone()));
        let mut checked = 0;
        for (method, path) in &routes {
            // The document itself is not an operation of the API.
            if !path.starts_with("/api/v1/") || path == "/api/v1/openapi.json" {
                continue;
            }
            assert!(
                doc["paths"][path.as_str()][method.as_str()].is_object(),
                "{method} {path} is routed but not documented"
            );
            checked += 1;
        }
        assert!(checked > 50, "only {checked} operations found in the router");
    }
}
