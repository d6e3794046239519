//! Records for regulators: the whole incident as JSON, and a readable HTML report in
//! which every piece of recorded text is escaped.

use super::clocks::clocks_of;
use super::handlers::load;
use crate::extract::ApiPath;
use crate::problem::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Value, json};
use uuid::Uuid;

async fn export_value(state: &AppState, id: Uuid) -> ApiResult<Value> {
    let incident = load(state, id).await?;
    let deadlines = clocks_of(state, &incident)?.deadlines;
    let events = state.store.breach_events(id).await?;
    let notices = state.store.breach_notice_progress(id).await?;
    Ok(json!({
        "exported_at": state.now(),
        "incident": incident,
        "deadlines": deadlines,
        "events": events,
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

/// Text made safe for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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
        html.value(&export[key]);
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
}
