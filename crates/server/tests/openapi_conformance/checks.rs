//! What every response must be, whatever was sent: no server error, a status the
//! operation documents, a success body of the documented shape, and an error as
//! problem+json with the security headers and no internals in its words.

use crate::document::{Document, Operation};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// A response as received.
pub struct Received {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Received {
    pub fn content_type(&self) -> &str {
        self.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Headers every response carries (`app::router`).
const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("cache-control", "no-store"),
    ("referrer-policy", "no-referrer"),
];

/// Words that belong to the implementation, not to an answer: Rust type names, serde's
/// and axum's messages, the database's.
const INTERNALS: [&str; 14] = [
    "Cannot parse",
    "expected struct",
    "expected enum",
    "Failed to deserialize",
    "at line ",
    "`i32`",
    "`u32`",
    "`i64`",
    "`u64`",
    "sqlx",
    "SQLITE",
    "panicked",
    "cpniguard_",
    "::",
];

/// The failures of one response to `op`; empty when it conforms.
pub fn check(doc: &mut Document, op: &Operation, got: &Received) -> Vec<String> {
    let mut failures = Vec::new();
    let status = got.status;
    if status >= 500 {
        failures.push(format!("server error {status}: {}", String::from_utf8_lossy(&got.body)));
    }
    if !op.documents(status) {
        failures.push(format!("status {status} is not documented"));
    }
    for (name, value) in SECURITY_HEADERS {
        if got.headers.get(name).and_then(|v| v.to_str().ok()) != Some(value) {
            failures.push(format!("status {status}: header {name} is not {value}"));
        }
    }
    if (200..300).contains(&status) {
        failures.extend(success_body(doc, op, got));
    } else if status >= 400 {
        failures.extend(problem_body(got));
    }
    failures
}

fn success_body(doc: &mut Document, op: &Operation, got: &Received) -> Vec<String> {
    let status = got.status;
    let documented = doc.response_types(op, status);
    if status == 204 || documented.is_empty() {
        return Vec::new();
    }
    let essence = got.content_type().split(';').next().unwrap_or_default().trim().to_owned();
    if !documented.contains(&essence) {
        return vec![format!("status {status}: content type {essence:?}, documented {documented:?}")];
    }
    if essence != "application/json" {
        return Vec::new();
    }
    let Some(schema) = doc.response_schema(op, status, "application/json") else { return Vec::new() };
    let Some(body) = got.json() else {
        return vec![format!("status {status}: the body is not JSON")];
    };
    doc.violations(&schema, &body)
        .into_iter()
        .take(5)
        .map(|v| format!("status {status}: the body breaks the documented schema: {v}"))
        .collect()
}

fn problem_body(got: &Received) -> Vec<String> {
    let status = got.status;
    if !got.content_type().starts_with("application/problem+json") {
        return vec![format!("status {status}: content type {:?}, not application/problem+json", got.content_type())];
    }
    let Some(problem) = got.json() else {
        return vec![format!("status {status}: the problem is not JSON")];
    };
    let mut failures = Vec::new();
    if problem["status"] != status {
        failures.push(format!("status {status}: the problem says status {}", problem["status"]));
    }
    for key in ["type", "title", "detail", "code"] {
        if !problem[key].is_string() {
            failures.push(format!("status {status}: the problem has no {key}: {problem}"));
        }
    }
    if problem["code"] == "validation_failed" && !problem["field"].is_string() {
        failures.push(format!("status {status}: a validation problem names no field: {problem}"));
    }
    let words = format!("{} {}", problem["title"], problem["detail"]);
    for internal in INTERNALS {
        if words.contains(internal) {
            failures.push(format!("status {status}: the problem shows internals ({internal:?}): {problem}"));
        }
    }
    failures
}
