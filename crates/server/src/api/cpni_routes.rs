//! Which API operations can reveal, change or export CPNI, read off the served OpenAPI
//! document itself: an operation tagged `cpni`, or one whose request or successful
//! response refers (through `components.schemas`) to a schema that holds CPNI. The
//! refusal audit (`auth::refusals`) consults it per request, so a new CPNI route is
//! covered as soon as its annotation names what it returns.

use axum::http::Method;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// The schemas whose values are CPNI (`cpniguard_core::classification`): call detail,
/// invoices and their lines, services, documents made of them, audience members (who
/// matched a usage criterion), and import rows kept in quarantine.
pub const CPNI_SCHEMAS: &[&str] =
    &["CallDetailRecord", "Invoice", "InvoiceLine", "Service", "Document", "AudienceMember", "QuarantinedRow"];

static OPERATIONS: LazyLock<BTreeSet<(String, String)>> = LazyLock::new(|| {
    let doc = serde_json::to_value(super::docs::openapi()).unwrap_or(Value::Null);
    operations(&doc)
});

/// Whether `method` on the route template `path` (as the router matched it, e.g.
/// `/api/v1/accounts/{id}/calls`) is a CPNI operation.
pub fn is_cpni(method: &Method, path: &str) -> bool {
    // A handful of operations: a scan allocates nothing on the request path.
    OPERATIONS.iter().any(|(m, p)| p == path && m.eq_ignore_ascii_case(method.as_str()))
}

/// Every CPNI operation of `doc`, as (lower-case method, path).
pub fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let Some(paths) = doc["paths"].as_object() else { return out };
    for (path, item) in paths {
        let Some(item) = item.as_object() else { continue };
        for (method, op) in item {
            let mut seen = BTreeSet::new();
            referenced(doc, &op["requestBody"], &mut seen);
            if let Some(responses) = op["responses"].as_object() {
                for (status, response) in responses {
                    if status.starts_with('2') {
                        referenced(doc, response, &mut seen);
                    }
                }
            }
            let tagged = op["tags"].as_array().is_some_and(|t| t.iter().any(|t| t == "cpni"));
            if tagged || CPNI_SCHEMAS.iter().any(|s| seen.contains(*s)) {
                out.insert((method.clone(), path.clone()));
            }
        }
    }
    out
}

/// The schema names `value` refers to, followed through `components.schemas`.
fn referenced(doc: &Value, value: &Value, seen: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let name = r.trim_start_matches("#/components/schemas/").to_owned();
                if seen.insert(name.clone()) {
                    referenced(doc, &doc["components"]["schemas"][&name], seen);
                }
            }
            map.values().for_each(|v| referenced(doc, v, seen));
        }
        Value::Array(items) => items.iter().for_each(|v| referenced(doc, v, seen)),
        _ => {}
    }
}
