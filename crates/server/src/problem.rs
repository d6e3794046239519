//! Errors as RFC 9457 problem details (`application/problem+json`). Each has a stable
//! `code` clients can switch on; `detail` says what was wrong and what would be
//! accepted. Internal errors are logged with the request id and answered without
//! internals.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cpniguard_core::ValidationError;
use cpniguard_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type: `urn:cpniguard:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// The input field the problem is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// A refusal by the disclosure gate: the policies that decided it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deciding_policies: Vec<String>,
    /// A refusal by the disclosure gate: what the caller may do instead.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_instead: Vec<String>,
    /// A refusal by the disclosure gate: the audit entry that records it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_seq: Option<u64>,
    #[serde(skip)]
    pub retry_after_secs: Option<u64>,
    #[serde(skip)]
    pub www_authenticate: bool,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            type_uri: format!("urn:cpniguard:problem:{code}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code,
            field: None,
            deciding_policies: Vec::new(),
            allowed_instead: Vec::new(),
            audit_seq: None,
            retry_after_secs: None,
            www_authenticate: false,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn unauthenticated(detail: &str) -> Self {
        let mut p = Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Authentication required", detail);
        p.www_authenticate = true;
        p
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not found", format!("no such {what}"))
    }

    pub fn validation(e: ValidationError) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "Invalid input", e.to_string())
            .with_field(e.field)
    }

    /// The request clashes with the record's state (a version, a workflow step, a
    /// rule that fixes a field).
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, "Conflict", detail)
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "Bad request", detail)
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut p = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many failed attempts",
            format!("too many failed credential checks from this source; try again in {retry_after_secs} seconds"),
        );
        p.retry_after_secs = Some(retry_after_secs);
        p
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "the server failed; the request id in the x-request-id header identifies it in the logs",
        )
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        let mut p = Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable", detail);
        p.retry_after_secs = Some(5);
        p
    }
}

impl Problem {
    /// The HTTP status the problem carries (an impossible code is a 500).
    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// The problem's `code`, kept on the response for layers that record it (the refusal
/// audit) without reading the body.
#[derive(Debug, Clone, Copy)]
pub struct ProblemCode(pub &'static str);

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let mut response = (status, axum::Json(&self)).into_response();
        response.extensions_mut().insert(ProblemCode(self.code));
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = self.retry_after_secs {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.www_authenticate {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"cpniguard\""));
        }
        response
    }
}

impl From<ValidationError> for Problem {
    fn from(e: ValidationError) -> Self {
        Problem::validation(e)
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Problem::not_found(what),
            StoreError::Conflict(what) => {
                Problem::new(StatusCode::CONFLICT, "conflict", "Conflict", format!("{what} already exists"))
            }
            StoreError::Invalid(v) => Problem::validation(v),
            StoreError::Unavailable(reason) => {
                tracing::warn!(%reason, "database unavailable");
                Problem::unavailable("the database is unavailable; retry shortly")
            }
            other => {
                tracing::error!(error = %other, "store error");
                Problem::internal()
            }
        }
    }
}

pub type ApiResult<T> = Result<T, Problem>;
