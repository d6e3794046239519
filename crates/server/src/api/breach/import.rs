//! Importing an affected-account list too large for the incident's JSON (a million
//! accounts is ~40 MB): `POST …/affected-accounts` streams `text/csv` or one account
//! number (or account id) per line, under its own body limit
//! (`[breach].max_import_bytes`), resolving lines against the accounts in batches.
//! Lines that name no account are reported (count, and the first few with their line
//! numbers) and kept on the incident (`unknown_affected`) for the privacy office —
//! never dropped. Importing the same list again adds nothing. `cpniguard breach
//! import-affected` runs the same `application::breach_affected_import` from a file.

use crate::application::breach_affected_import::{AffectedImport, ImportReport};
use crate::application::breach_incidents::load;
use crate::auth::CurrentStaff;
use crate::extract::ApiPath;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use futures::StreamExt;
use uuid::Uuid;

fn too_large(limit: u64) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "import_too_large",
        "Payload Too Large",
        format!(
            "an import is at most {limit} bytes ([breach].max_import_bytes); use `cpniguard breach import-affected`"
        ),
    )
}

#[utoipa::path(
    post, path = "/api/v1/breach/incidents/{id}/affected-accounts", tag = "breach",
    params(("id" = Uuid, Path, description = "Incident id")),
    request_body(content = String, description = "One account number or account id per line (text/plain), or CSV whose first column is one (text/csv); a header line is skipped", content_type = "text/csv"),
    responses(
        (status = 200, body = ImportReport),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn import_affected(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ApiPath(id): ApiPath<Uuid>,
    body: Body,
) -> ApiResult<Json<ImportReport>> {
    // Before reading a byte: the incident exists.
    load(&state, id).await?;
    let limit = state.config.breach.max_import_bytes;
    let mut import = AffectedImport::new(&state);
    let mut stream = body.into_data_stream();
    let (mut read, mut rest) = (0u64, Vec::new());
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Problem::bad_request("body", format!("reading the list: {e}")))?;
        read += chunk.len() as u64;
        if read > limit {
            return Err(too_large(limit));
        }
        rest.extend_from_slice(&chunk);
        let Some(last_break) = rest.iter().rposition(|b| *b == b'\n') else { continue };
        let complete: Vec<u8> = rest.drain(..=last_break).collect();
        // Without its final break, every piece is a whole line.
        for line in complete[..last_break].split(|b| *b == b'\n') {
            push(&mut import, line).await?;
        }
    }
    if !rest.is_empty() {
        push(&mut import, &rest).await?;
    }
    Ok(Json(import.finish(id, &staff.0.username.to_string()).await?))
}

async fn push(import: &mut AffectedImport, line: &[u8]) -> ApiResult<()> {
    let line = std::str::from_utf8(line)
        .map_err(|_| Problem::validation(cpniguard_core::ValidationError::new("body", "the list is not UTF-8")))?;
    import.push_line(line.trim_end_matches('\r')).await
}
