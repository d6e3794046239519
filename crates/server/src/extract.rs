//! Request extractors whose rejections are problem+json with precise messages, instead
//! of axum's plain-text ones.

use crate::problem::Problem;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON body. Malformed JSON is 400 `malformed_json`; well-formed JSON of the wrong
/// shape (unknown field, wrong type, invalid telephone number…) is 422
/// `validation_failed` naming the path; a missing content type is 415; an oversized
/// body is 413.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_problem(rejection)),
        }
    }
}

fn json_problem(rejection: JsonRejection) -> Problem {
    match rejection {
        JsonRejection::JsonDataError(e) => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "Invalid input",
            data_error_detail(&e.body_text()),
        ),
        JsonRejection::JsonSyntaxError(e) => {
            Problem::bad_request("malformed_json", format!("the body is not valid JSON: {}", source_text(&e)))
        }
        JsonRejection::MissingJsonContentType(_) => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            "send the body as JSON with Content-Type: application/json",
        ),
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => payload_too_large(),
        other => Problem::bad_request("bad_body", other.body_text()),
    }
}

pub fn payload_too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "Payload too large",
        "the request body is larger than the server accepts (server.max_body_bytes)",
    )
}

/// axum prefixes serde's message with "Failed to deserialize the JSON body into the
/// target type: "; the rest (path and reason) is what the caller needs.
fn data_error_detail(text: &str) -> String {
    text.split_once("target type: ").map(|(_, rest)| rest).unwrap_or(text).to_owned()
}

fn source_text(e: &dyn std::error::Error) -> String {
    let mut inner: &dyn std::error::Error = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    inner.to_string()
}

/// Query-string parameters with problem+json rejections.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        axum::extract::Query::<T>::from_request_parts(parts, state).await.map(|q| ApiQuery(q.0)).map_err(
            |e: QueryRejection| {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "Invalid query", source_text(&e))
            },
        )
    }
}

/// Path parameters with problem+json rejections (a malformed id is 404: no resource
/// can have it).
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e: PathRejection| Problem::new(StatusCode::NOT_FOUND, "not_found", "Not found", source_text(&e)))
    }
}

/// The optional `Idempotency-Key` header: 1 to 200 visible ASCII characters.
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(IdempotencyKey(None));
        };
        let key =
            value.to_str().ok().filter(|k| (1..=200).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()));
        match key {
            Some(k) => Ok(IdempotencyKey(Some(k.to_owned()))),
            None => Err(Problem::bad_request(
                "bad_idempotency_key",
                "Idempotency-Key must be 1 to 200 visible ASCII characters",
            )),
        }
    }
}
