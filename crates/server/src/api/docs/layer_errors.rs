//! The error responses every operation can give because of the layers and extractors
//! in front of its handler, added to the document from what the operation declares
//! (its security, parameters and body) rather than listed by hand in each handler,
//! where a list drifts from what the server does. Handlers still document their own
//! refusals (a 404 for an unknown record, a 409 for a state clash).
//!
//! | the operation has…                  | it can be answered, before its handler runs…      |
//! |-------------------------------------|---------------------------------------------------|
//! | a staff bearer token                | 401 (none, unknown, revoked), 403 (role), 429     |
//! | a portal session                    | 401 (no session)                                  |
//! | path parameters                     | 422 (malformed), 404 (no such record)             |
//! | query parameters                    | 422 (malformed, out of range, unknown)            |
//! | a JSON body                         | 400 (not JSON), 413, 415, 422 (wrong shape)       |
//! | an `Idempotency-Key` header         | 400 (malformed key)                               |
//! | anything                            | 503 (database unavailable, request timed out)     |

use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};

/// Adds the layer-made error responses to every operation of `doc` that does not
/// already document them in its own words.
pub fn add_to(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            for (status, description) in layer_errors(operation) {
                if !operation.responses.responses.contains_key(status) {
                    operation.responses.responses.insert(status.to_owned(), problem_response(description).into());
                }
            }
        }
    }
}

/// What the operation's declarations say can refuse it before its handler: (status,
/// description) pairs.
fn layer_errors(operation: &Operation) -> Vec<(&'static str, &'static str)> {
    let declared = serde_json::to_value(operation).unwrap_or_default();
    let security = declared["security"].to_string();
    let parameters = declared["parameters"].as_array().cloned().unwrap_or_default();
    let located = |place: &str| parameters.iter().any(|p| p["in"] == place);
    let mut errors =
        vec![("503", "The database is unavailable or the request took too long; retry after the Retry-After seconds")];
    if security.contains("\"bearer\"") {
        errors.extend([
            ("401", "No bearer token, or one that is unknown, revoked or whose owner is inactive"),
            ("403", "The staff member's role does not allow this operation"),
            ("429", "Too many unknown tokens from this client address; retry after the Retry-After seconds"),
        ]);
    } else if security.contains("cpniguard_session") {
        errors.push(("401", "No portal session, or an expired one"));
    }
    if located("path") {
        errors.extend([
            ("404", "No record has this id"),
            ("422", "A path parameter is malformed (the `field` names it)"),
        ]);
    }
    if located("query") {
        errors.push(("422", "A query parameter is malformed, out of range or unknown (the `field` names it)"));
    }
    if parameters.iter().any(|p| p["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case("idempotency-key"))) {
        errors.push(("400", "The Idempotency-Key header is malformed"));
    }
    if !declared["requestBody"].is_null() {
        errors.extend([
            ("400", "The body is not valid JSON"),
            ("413", "The body is larger than the server accepts"),
            ("415", "The body is not sent as the documented content type"),
            ("422", "The body does not have the documented shape (the `field` names where)"),
        ]);
    }
    errors
}

fn problem_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            crate::problem::PROBLEM_JSON,
            ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
        )
        .build()
}
