//! Records for regulators: the whole incident as JSON, and a readable HTML report in
//! which every piece of recorded text is escaped.

use super::lists::all_notices;
use crate::application::breach_clocks::clocks_of;
use crate::application::breach_incidents::{all_affected, load};
use crate::extract::ApiPath;
use crate::problem::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use cpniguard_notify::escape_html as escape;
use serde_json::{Value, json};
use uuid::Uuid;

async fn export_value(state: &AppState, id: Uuid) -> ApiResult<Value> {
    let incident = load(state, id).await?;
    let deadlines = clocks_of(state, &incident)?.deadlines;
    let events = state.store.breach_events(id).await?;
    let affected = all_affected(state, id).await?;
    let notices = all_notices(state, id).await?;
    Ok(json!({
        "exported_at": state.now(),
        "incident": incident,
        "deadlines": deadlines,
        // The amendments made after a notification, also in order among the events.
        "amendments": events.iter().filter(|e| e.kind == "amended").collect::<Vec<_>>(),
        "events": events,
        "affected_accounts": affected,
        "customer_notices": notices,
    }))
}

#[utoipa::path(
    get, path = "/api/v1/breach/incidents/{id}/export", tag = "breach",
    params(("id" = Uuid, Path, description = "Incident id")),
    responses((status = 200, description = "The incident, its clocks, its log and its notices", body = Object)),
    security(("bearer" = []))
)]
pub async fn export(State(state): State<AppState>, ApiPath(id): ApiPath<Uuid>) -> ApiResult<Json<Value>> {
    Ok(Json(export_value(&state, id).await?))
}

/// An HTML document built only from fixed markup and escaped text, so recorded text
/// can never become markup.
struct Html(String);

impl Html {
    fn tag(&mut self, tag: &'static str, text: &str) {
        self.0.push_str(&["<", tag, ">", &escape(text), "</", tag, ">\n"].concat());
    }

    /// A JSON value as a nested definition list.
    fn value(&mut self, v: &Value) {
        match v {
            Value::Object(map) => {
                self.0.push_str("<dl>\n");
                for (k, v) in map {
                    self.tag("dt", k);
                    self.0.push_str("<dd>");
                    self.value(v);
                    self.0.push_str("</dd>\n");
                }
                self.0.push_str("</dl>\n");
            }
            Value::Array(items) => {
                self.0.push_str("<ol>\n");
                for v in items {
                    self.0.push_str("<li>");
                    self.value(v);
                    self.0.push_str("</li>\n");
                }
                self.0.push_str("</ol>\n");
            }
            Value::String(s) => self.0.push_str(&escape(s)),
            Value::Null => self.0.push('—'),
            other => self.0.push_str(&escape(&other.to_string())),
        }
    }
}

/// Rows of a list the readable report shows one by one.
const REPORT_ROWS: usize = 1_000;

/// A long list in one sentence: how many rows, and how many per status when the rows
/// have one.
fn summary(rows: &[Value]) -> String {
    let mut by_status = std::collections::BTreeMap::new();
    for status in rows.iter().filter_map(|r| r["status"].as_str()) {
        *by_status.entry(status).or_insert(0u64) += 1;
    }
    let counts: Vec<String> = by_status.iter().map(|(status, n)| format!("{status}: {n}")).collect();
    let mut text = format!("{} rows", rows.len());
    if !counts.is_empty() {
        text.push_str(&format!(" ({})", counts.join(", ")));
    }
    text + "; every row is in the JSON export."
}

#[utoipa::path(
    get, path = "/api/v1/breach/incidents/{id}/report", tag = "breach",
    params(("id" = Uuid, Path, description = "Incident id")),
    responses((status = 200, description = "A readable report", content_type = "text/html")),
    security(("bearer" = []))
)]
pub async fn report(State(state): State<AppState>, ApiPath(id): ApiPath<Uuid>) -> ApiResult<impl IntoResponse> {
    let export = export_value(&state, id).await?;
    let mut html = Html(String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Breach incident report</title></head>\n<body>\n",
    ));
    html.tag("h1", "Breach incident report");
    for (title, key) in [
        ("Incident", "incident"),
        ("Deadlines", "deadlines"),
        ("Customer notices", "customer_notices"),
        ("Event log", "events"),
    ] {
        html.tag("h2", title);
        match export[key].as_array() {
            // A list too long to read (a breach can reach a million customers) is
            // summarised; the JSON export has every row.
            Some(rows) if rows.len() > REPORT_ROWS => html.tag("p", &summary(rows)),
            _ => html.value(&export[key]),
        }
    }
    html.tag("p", &format!("Exported at {}", export["exported_at"].as_str().unwrap_or_default()));
    html.0.push_str("</body>\n</html>\n");
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_text_is_escaped() {
        let mut html = Html(String::new());
        html.value(&json!({ "description": "<script>alert('x')</script> & co" }));
        assert!(!html.0.contains("<script>"));
        assert!(html.0.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"));
    }

    #[test]
    fn long_lists_are_summarised_by_status() {
        let rows: Vec<Value> = (0..5).map(|i| json!({ "status": if i < 3 { "sent" } else { "failed" } })).collect();
        assert_eq!(summary(&rows), "5 rows (failed: 2, sent: 3); every row is in the JSON export.");
        assert_eq!(summary(&[json!(1), json!(2)]), "2 rows; every row is in the JSON export.");
    }
}
