//! `GET /api/v1/audit/export`: the same sealed JSON Lines file `cpniguard audit
//! export` writes (`audit_writer::export`), streamed a page at a time. A failure
//! half-way ends the response early; the file then lacks its signed statement and
//! `cpniguard audit verify --file` refuses it, so a broken download cannot pass for
//! a complete one.

use crate::extract::ApiQuery;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::audit::ExportLine;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportRange {
    /// Inclusive (RFC 3339).
    pub from: DateTime<Utc>,
    /// Exclusive (RFC 3339).
    pub to: DateTime<Utc>,
}

#[utoipa::path(
    get, path = "/api/v1/audit/export", tag = "audit", params(ExportRange),
    responses(
        (status = 200, description = "JSON Lines: the public key, the checkpoints, the entries (widened to the \
            checkpoints around the range, so the file verifies on its own) and last a statement signed with the \
            carrier's key of the range, the first and last seq, the entry count and the last entry's hash",
            content_type = "application/jsonl"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn export(State(state): State<AppState>, ApiQuery(range): ApiQuery<ExportRange>) -> ApiResult<Response> {
    sealed(&state, range.from, range.to).await
}

/// The sealed export of `from`..`to` as a streamed download (the API's and the
/// console's auditor screen's).
pub(crate) async fn sealed(state: &AppState, from: DateTime<Utc>, to: DateTime<Utc>) -> ApiResult<Response> {
    let range = ExportRange { from, to };
    if range.from >= range.to {
        return Err(ValidationError::new("to", "must be after from").into());
    }
    let pager = state.gate.export_audit(state.store.clone(), range.from, range.to, state.now()).await?;
    let lines = futures::stream::try_unfold(pager, |mut pager| async move {
        let Some(lines) = pager.next_lines().await.inspect_err(
            |e| tracing::error!(error = %e, entries = pager.entries(), "audit export: ended early, unsealed"),
        )?
        else {
            return Ok(None);
        };
        Ok::<_, BoxError>(Some((encode(&lines)?, pager)))
    });
    let stamp = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let disposition = format!("attachment; filename=\"audit-{}-{}.jsonl\"", stamp(range.from), stamp(range.to));
    Ok((
        [(header::CONTENT_TYPE, "application/jsonl".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        Body::from_stream(lines),
    )
        .into_response())
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn encode(lines: &[ExportLine]) -> Result<Bytes, BoxError> {
    let mut out = Vec::with_capacity(lines.len() * 512);
    for line in lines {
        serde_json::to_writer(&mut out, line)?;
        out.push(b'\n');
    }
    Ok(Bytes::from(out))
}
