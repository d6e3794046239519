//! Request extractors whose rejections are problem+json naming the field and saying,
//! in the API's words, what it accepts (never a Rust type or axum's plain text): the
//! translation of serde's messages is in `plain`.

mod plain;

use crate::problem::Problem;
use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, OptionalFromRequest, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::error::Category;

/// A JSON body. Malformed JSON is 400 `malformed_json`; well-formed JSON of the wrong
/// shape (unknown field, wrong type, invalid telephone number…) is 422
/// `validation_failed` naming the field; a missing or other content type is 415; an
/// oversized body is 413.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        if !json_content_type(req.headers()) {
            return Err(unsupported_media_type());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(unreadable_body)?;
        decode_json(&bytes).map(ApiJson)
    }
}

/// An optional JSON body: none when the request has no `Content-Type`; otherwise as
/// `ApiJson`.
impl<S, T> OptionalFromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, Problem> {
        if !req.headers().contains_key(header::CONTENT_TYPE) {
            return Ok(None);
        }
        <ApiJson<T> as FromRequest<S>>::from_request(req, state).await.map(Some)
    }
}

fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

pub fn unsupported_media_type() -> Problem {
    Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "Unsupported media type",
        "send the body as JSON with Content-Type: application/json",
    )
}

fn unreadable_body(rejection: BytesRejection) -> Problem {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        payload_too_large()
    } else {
        Problem::bad_request("bad_body", "the request body could not be read")
    }
}

/// A JSON document decoded into `T`, with the field path of the first problem. A
/// body that decodes is read once; only a refused one is read again to say why.
// The error is the `Problem` every handler answers with; boxing it here alone would
// only add an allocation to each refusal.
#[allow(clippy::result_large_err)]
fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    if first_byte(bytes) == Some(b'{') {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        if let Ok(value) = <T as serde::Deserialize>::deserialize(&mut de)
            && de.end().is_ok()
        {
            return Ok(value);
        }
    }
    explain_refusal(bytes)
}

/// Why a body was refused. The syntax is checked on its own first: serde_json reports
/// some wrong shapes (a number where an enum goes) as syntax errors, and those are 422,
/// not 400.
#[allow(clippy::result_large_err)]
fn explain_refusal<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(|e| malformed_json(&e))?;
    // Every body of this API is an object; serde would otherwise read a struct from an
    // array of its fields in order, which no client means.
    if first_byte(bytes) != Some(b'{') {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "Invalid input",
            "the body: expected a JSON object",
        )
        .with_field("body"));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            Category::Io => malformed_json(&inner),
            Category::Data | Category::Syntax | Category::Eof => invalid_field(&path, &inner.to_string(), "the body"),
        }
    })
}

fn first_byte(bytes: &[u8]) -> Option<u8> {
    bytes.iter().copied().find(|b| !b.is_ascii_whitespace())
}

fn malformed_json(e: &serde_json::Error) -> Problem {
    let position = if e.line() > 0 { format!(" (line {}, column {})", e.line(), e.column()) } else { String::new() };
    Problem::bad_request(
        "malformed_json",
        format!("the body is not valid JSON: {}{position}", plain::reason(&e.to_string())),
    )
}

/// A 422 naming the field at `path` (`.` is the whole input, called `whole`) or the one
/// the message names itself (a missing or unknown field).
fn invalid_field(path: &str, message: &str, whole: &str) -> Problem {
    let at_root = path == "." || path.is_empty();
    let (field, detail) = match plain::named_field(message) {
        Some((name, text)) => {
            let field = if at_root { name } else { format!("{path}.{name}") };
            let detail = format!("`{field}` {text}");
            (field, detail)
        }
        None if at_root => ("body".to_owned(), format!("{whole}: {}", plain::reason(message))),
        None => (path.to_owned(), format!("`{path}`: {}", plain::reason(message))),
    };
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "Invalid input", detail).with_field(field)
}

pub fn payload_too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "Payload too large",
        "the request body is larger than the server accepts (server.max_body_bytes)",
    )
}

/// Query-string parameters; a malformed or missing one is 422 naming it.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| invalid_field(&e.path().to_string(), &e.inner().to_string(), "the query string"))
    }
}

/// Path parameters. One that cannot be what the route takes (a word where a number or
/// a UUID goes) is 422 naming it: the request is malformed, not for a missing record.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(p) => Ok(ApiPath(p.0)),
            Err(rejection) => Err(path_problem(rejection, parts.extensions.get::<MatchedPath>())),
        }
    }
}

fn path_problem(rejection: PathRejection, route: Option<&MatchedPath>) -> Problem {
    let names: Vec<&str> = route
        .map(|r| r.as_str().split('{').skip(1).filter_map(|s| s.split_once('}')).map(|(name, _)| name).collect())
        .unwrap_or_default();
    let name_at = |i: usize| names.get(i).copied().unwrap_or("path").to_owned();
    let PathRejection::FailedToDeserializePathParams(e) = rejection else {
        tracing::error!(error = %rejection, "path parameters missing from a routed request");
        return Problem::internal();
    };
    let (field, reason) = match e.into_kind() {
        ErrorKind::ParseErrorAtKey { key, expected_type, .. } => {
            (key, format!("expected {}", plain::expected_type(expected_type)))
        }
        ErrorKind::ParseErrorAtIndex { index, expected_type, .. } => {
            (name_at(index), format!("expected {}", plain::expected_type(expected_type)))
        }
        ErrorKind::ParseError { expected_type, .. } => {
            (name_at(0), format!("expected {}", plain::expected_type(expected_type)))
        }
        ErrorKind::InvalidUtf8InPathParam { key } => (key, "expected UTF-8 text".to_owned()),
        ErrorKind::DeserializeError { key, message, .. } => (key, plain::reason(&message)),
        ErrorKind::Message(message) => (name_at(0), plain::reason(&message)),
        other => {
            tracing::error!(error = %other, "a handler's path type does not fit its route");
            return Problem::internal();
        }
    };
    let detail = format!("the path parameter `{field}`: {reason}");
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "Invalid input", detail).with_field(field)
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
