//! Files uploaded by the billing system's import account (role `billing`):
//! `POST /api/v1/imports/cdr?format=…&source=…` with a switch file as the body
//! (`text/csv`), and `POST /api/v1/imports/accounts?format=csv` with the billing
//! export (the same sync as `cpniguard import accounts`). The body is read as a stream, a line at a time, into the same
//! [`import_stream`] as `cpniguard import cdr`, so memory stays flat whatever the
//! file's size; the answer is the same JSON summary. The import is recorded in the
//! audit log with its counts (never the rows).

use crate::application::billing_sync::{BillingSyncError, BillingSyncSummary, sync_accounts};
use crate::application::cdr_import::ImportSummary;
use crate::auth::CurrentStaff;
use crate::extract::ApiQuery;
use crate::gate::RequestId;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use cpniguard_core::account::one_line_text;
use cpniguard_import::{Counts, Format, ImportError, Source, import_stream};
use futures::{Stream, StreamExt};
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio_util::io::StreamReader;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CdrUpload {
    /// `asterisk-csv`, `freeswitch-csv` or `csv` (default: the source's).
    pub format: Option<String>,
    /// The source's name in `[import.sources]`, part of every call's de-duplication key
    /// (default: the format's name).
    pub source: Option<String>,
    /// IANA zone the switch writes its times in (default: the source's, else UTC).
    pub timezone: Option<String>,
    /// The file's name, kept with every quarantined row (default `upload`).
    pub file_name: Option<String>,
}

/// Most characters of an uploaded file's name.
const MAX_FILE_NAME: usize = 200;

/// Import one switch file streamed in the body.
#[utoipa::path(post, path = "/api/v1/imports/cdr", tags = ["imports", "cpni"], params(CdrUpload),
    request_body(content = String, content_type = "text/csv", description = "the switch's CDR file as it wrote it, streamed"),
    responses((status = 200, body = ImportSummary, description = "every row read, and how it ended"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "not the billing role"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "the upload broke off or stalled; the rows before it are stored, send the file again"),
        (status = 415, body = Problem, content_type = "application/problem+json", description = "the body is not text/csv"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "an unknown format or source, or a file not of the format (nothing imported)"),
        (status = 503, body = Problem, content_type = "application/problem+json", description = "the database is unavailable; send the file again, stored rows count as duplicates")),
    security(("bearer" = [])))]
pub async fn cdr(
    State(state): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    RequestId(request_id): RequestId,
    ApiQuery(q): ApiQuery<CdrUpload>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<ImportSummary>> {
    let started = Instant::now();
    if !is_csv(&headers) {
        return Err(unsupported_media_type());
    }
    let format = match q.format.as_deref() {
        Some(f) => Some(Format::parse(f).ok_or_else(|| invalid("format", "asterisk-csv, freeswitch-csv or csv"))?),
        None => None,
    };
    let name =
        q.source.as_deref().or(format.map(Format::as_str)).ok_or_else(|| invalid("source", "give format or source"))?;
    let file_name = one_line_text("file_name", q.file_name.as_deref().unwrap_or("upload"), MAX_FILE_NAME)?;
    let source = Source::resolve(state.store.as_ref(), &state.config.import, name, format, q.timezone.as_deref())
        .await
        .map_err(|e| import_problem(e, "source"))?;
    let idle = Duration::from_secs(state.config.server.request_timeout_secs);
    let reader = tokio::io::BufReader::with_capacity(1 << 16, StreamReader::new(idle_bounded(body, idle)));
    let outcome = import_stream(&state.store, &source, &file_name, reader, &mut |_| {}).await;
    let counts = match outcome {
        Ok(counts) => counts,
        Err(e) => {
            if matches!(e, ImportError::Read { .. }) {
                record(&state, &staff, name, None, request_id).await?;
            }
            return Err(import_problem(e, "body"));
        }
    };
    record(&state, &staff, name, Some(&counts), request_id).await?;
    tracing::info!(read = counts.read, inserted = counts.inserted, "call detail uploaded");
    Ok(Json(ImportSummary::new(&counts, name, started, Vec::new())))
}

/// The upload in the audit log: who, which source, and the counts (`None`: it broke
/// off part way, some batches stored).
async fn record(
    state: &AppState,
    staff: &cpniguard_core::staff::Staff,
    source: &str,
    counts: Option<&Counts>,
    request_id: Option<String>,
) -> ApiResult<()> {
    let counts = counts.map(|c| {
        [
            ("read", c.read),
            ("inserted", c.inserted),
            ("duplicates", c.duplicates),
            ("unmatched", c.unmatched),
            ("malformed", c.malformed),
        ]
    });
    record_upload(state, staff, "import.cdr", source, counts.as_ref().map(|c| &c[..]), request_id).await
}

/// An upload of `action` in the audit log with its source and counts (never rows);
/// `counts` none: it broke off part way.
async fn record_upload(
    state: &AppState,
    staff: &cpniguard_core::staff::Staff,
    action: &str,
    source: &str,
    counts: Option<&[(&str, u64)]>,
    request_id: Option<String>,
) -> ApiResult<()> {
    let mut refs = vec![format!("import_source:{source}")];
    match counts {
        Some(counts) => refs.extend(counts.iter().map(|(name, n)| format!("{name}={n}"))),
        None => refs.push("incomplete".to_owned()),
    }
    if let Some(id) = request_id {
        refs.push(format!("request:{id}"));
    }
    state.gate.record_staff_change(staff, action, None, refs, state.now()).await?;
    Ok(())
}

/// 415: the body is not declared `text/csv`.
fn unsupported_media_type() -> Problem {
    Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "Unsupported media type",
        "send the file as the body with Content-Type: text/csv",
    )
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccountsUpload {
    /// The export's format: only `csv` (one row per account, see docs/import.md).
    pub format: String,
    /// The name kept with quarantined rows (default `billing`).
    pub source: Option<String>,
    /// The file's name, kept with every quarantined row (default `upload`).
    pub file_name: Option<String>,
}

/// The billing system's account export, streamed in the body: the same sync as
/// `cpniguard import accounts`, change notices and all.
#[utoipa::path(post, path = "/api/v1/imports/accounts", tags = ["imports", "cpni"], params(AccountsUpload),
    request_body(content = String, content_type = "text/csv", description = "the billing export, streamed"),
    responses((status = 200, body = BillingSyncSummary, description = "every row read, and how it ended"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "not the billing role"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "the upload broke off or stalled; the accounts before it are synced, send the file again"),
        (status = 415, body = Problem, content_type = "application/problem+json", description = "the body is not text/csv"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "an unknown format, or a body that is not a billing export (nothing changed)"),
        (status = 503, body = Problem, content_type = "application/problem+json", description = "the database is unavailable; send the file again")),
    security(("bearer" = [])))]
pub async fn accounts(
    State(state): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    RequestId(request_id): RequestId,
    ApiQuery(q): ApiQuery<AccountsUpload>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<BillingSyncSummary>> {
    if !is_csv(&headers) {
        return Err(unsupported_media_type());
    }
    if q.format != "csv" {
        return Err(invalid("format", "csv (one row per account)"));
    }
    let source = q.source.as_deref().unwrap_or("billing");
    cpniguard_import::rules::check_source_name(source).map_err(|reason| invalid("source", &reason))?;
    let file_name = one_line_text("file_name", q.file_name.as_deref().unwrap_or("upload"), MAX_FILE_NAME)?;
    let idle = Duration::from_secs(state.config.server.request_timeout_secs);
    let reader = tokio::io::BufReader::with_capacity(1 << 16, StreamReader::new(idle_bounded(body, idle)));
    let summary = match sync_accounts(&state, reader, &file_name, source).await {
        Ok(summary) => summary,
        Err(BillingSyncError::NotAnExport { reason, .. }) => {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "not_the_format",
                "Not of the format",
                format!("the body is not a billing export: {reason}; nothing was changed"),
            )
            .with_field("body"));
        }
        Err(BillingSyncError::Import(e)) => {
            if matches!(e, ImportError::Read { .. }) {
                record_upload(&state, &staff, "import.accounts", source, None, request_id).await?;
            }
            return Err(import_problem(e, "body"));
        }
    };
    let counts = [
        ("read", summary.read),
        ("inserted", summary.inserted),
        ("updated", summary.updated),
        ("duplicates", summary.duplicates),
        ("malformed", summary.malformed),
        ("notices_queued", summary.notices_queued),
    ];
    record_upload(&state, &staff, "import.accounts", source, Some(&counts), request_id).await?;
    Ok(Json(summary))
}

/// Whether the body is declared `text/csv` (parameters such as a charset allowed).
fn is_csv(headers: &HeaderMap) -> bool {
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    declared.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("text/csv")
}

fn invalid(field: &str, message: &str) -> Problem {
    cpniguard_core::ValidationError::new(field, message).into()
}

/// An import failure in the API's words: a file not of the format or a source that does
/// not work is 422, a body that broke off 400, the database 503.
fn import_problem(e: ImportError, field: &str) -> Problem {
    match e {
        ImportError::NotTheFormat { format, reason, .. } => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_the_format",
            "Not of the format",
            format!("the body is not a {format} file: {reason}; nothing of it was imported"),
        )
        .with_field(field),
        ImportError::Config(reason) => invalid(field, &reason),
        ImportError::Read { source, .. } => Problem::bad_request(
            "upload_incomplete",
            format!("the upload broke off ({source}); the rows before it are stored: send the file again"),
        ),
        ImportError::Store(e) => e.into(),
    }
}

/// The body's chunks, each waited for at most `idle`: an upload may take as long as
/// its size needs, but a client that stops sending is cut off.
fn idle_bounded(body: Body, idle: Duration) -> impl Stream<Item = std::io::Result<Bytes>> + Send + Unpin {
    let chunks = body.into_data_stream();
    Box::pin(futures::stream::unfold(Some(chunks), move |state| async move {
        let mut chunks = state?;
        match tokio::time::timeout(idle, chunks.next()).await {
            Ok(Some(Ok(bytes))) => Some((Ok(bytes), Some(chunks))),
            Ok(Some(Err(e))) => Some((Err(std::io::Error::other(e)), None)),
            Ok(None) => None,
            Err(_) => Some((Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "no data for too long")), None)),
        }
    }))
}
