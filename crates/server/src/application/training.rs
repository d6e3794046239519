//! Staff CPNI training: the day a completion stops counting for the disclosure gate,
//! who lapses soon, and recording completions one at a time or by CSV import (good rows
//! recorded, refused rows kept with their line and reason). The API, the
//! privacy-office screen, the reminder job and `cpniguard training import` call these.

mod csv;

use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use cpniguard_core::ValidationError;
use cpniguard_core::account::one_line_text;
use cpniguard_core::calendar::FederalCalendar;
use cpniguard_core::staff::{Staff, Username};
use cpniguard_store::training::{TrainingImportReject, TrainingRecord};
use csv::CsvRow;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// The most rows one import takes (a larger carrier imports in parts).
const MAX_IMPORT_ROWS: usize = 20_000;
const MAX_TEXT: usize = 200;

#[derive(Debug, Serialize, ToSchema)]
pub struct RejectView {
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportView {
    pub import_id: Uuid,
    pub imported: usize,
    pub rejected: Vec<RejectView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LapsingView {
    #[schema(value_type = String)]
    pub username: Username,
    pub display_name: String,
    pub training_completed_on: Option<NaiveDate>,
    /// The first day the gate refuses CPNI; absent when never trained.
    pub expires_on: Option<NaiveDate>,
    pub lapsed: bool,
}

pub fn today(state: &AppState) -> ApiResult<NaiveDate> {
    let cal = FederalCalendar::for_time_zone(&state.config.carrier.time_zone).map_err(Problem::validation)?;
    Ok(cal.local_date(state.now()))
}

/// The day training completed on `completed_on` stops counting for the gate.
pub fn gate_expiry(state: &AppState, completed_on: NaiveDate) -> Option<NaiveDate> {
    completed_on.checked_add_months(Months::new(state.config.rules.training_validity_months))
}

/// Active staff whose training has lapsed or lapses within the reminder lead time,
/// soonest first (never trained first of all).
pub async fn lapsing(state: &AppState, today: NaiveDate) -> ApiResult<Vec<LapsingView>> {
    let lead = state.config.certification.reminder_lead_days;
    let horizon = today.checked_add_days(Days::new(lead.into())).unwrap_or(today);
    let mut out: Vec<LapsingView> = state
        .store
        .list_staff()
        .await?
        .into_iter()
        .filter(|s| s.active)
        .filter_map(|s| {
            let expires_on = s.training_completed_on.and_then(|d| gate_expiry(state, d));
            let soon = expires_on.is_none_or(|e| e <= horizon);
            soon.then(|| LapsingView {
                lapsed: expires_on.is_none_or(|e| e <= today),
                username: s.username,
                display_name: s.display_name,
                training_completed_on: s.training_completed_on,
                expires_on,
            })
        })
        .collect();
    out.sort_by(|a, b| (a.expires_on, &a.username).cmp(&(b.expires_on, &b.username)));
    Ok(out)
}

fn check_text(field: &str, text: &str) -> Result<String, String> {
    one_line_text(field, text, MAX_TEXT).map_err(|e| format!("{field}: {}", e.reason))
}

/// A training record checked against the staff list, or why it is refused.
struct RecordInput<'a> {
    username: &'a str,
    course: &'a str,
    completed_on: NaiveDate,
    expires_on: Option<NaiveDate>,
    source: &'static str,
}

fn build_record(
    state: &AppState,
    staff: &BTreeMap<String, Staff>,
    input: RecordInput<'_>,
    by: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<TrainingRecord, (&'static str, String)> {
    let member = staff.get(input.username).ok_or(("username", format!("no staff member {:?}", input.username)))?;
    let course = check_text("course", input.course).map_err(|r| ("course", r))?;
    if input.completed_on > today {
        return Err(("completed_on", format!("{} is in the future", input.completed_on)));
    }
    let expires_on = match input.expires_on {
        Some(e) => e,
        None => gate_expiry(state, input.completed_on).ok_or(("completed_on", "out of range".to_owned()))?,
    };
    if expires_on <= input.completed_on {
        return Err(("expires_on", format!("{expires_on} is not after the completion")));
    }
    Ok(TrainingRecord {
        id: Uuid::now_v7(),
        staff_id: member.id,
        course,
        completed_on: input.completed_on,
        expires_on,
        source: input.source.to_owned(),
        recorded_by: by.to_owned(),
        recorded_at: now,
    })
}

async fn staff_by_username(state: &AppState) -> ApiResult<BTreeMap<String, Staff>> {
    Ok(state.store.list_staff().await?.into_iter().map(|s| (s.username.to_string(), s)).collect())
}

/// Record one completion for `username`, checked as an imported row is.
pub async fn record(
    state: &AppState,
    username: &Username,
    course: &str,
    completed_on: NaiveDate,
    expires_on: Option<NaiveDate>,
    by: &str,
) -> ApiResult<TrainingRecord> {
    let (now, today) = (state.now(), today(state)?);
    let members = staff_by_username(state).await?;
    let input = RecordInput { username: username.as_str(), course, completed_on, expires_on, source: "api" };
    let record = build_record(state, &members, input, by, today, now)
        .map_err(|(field, reason)| Problem::validation(ValidationError::new(field, reason)))?;
    state.store.record_training(std::slice::from_ref(&record), &[]).await?;
    Ok(record)
}

/// Import a CSV (`username,course,completed_on[,expires_on]`): the good rows are
/// recorded and the refused ones kept, in one write.
pub async fn import(state: &AppState, text: &str, by: &str) -> ApiResult<ImportView> {
    let (records, rejects, import_id) = check_rows(state, text, by).await?;
    state.store.record_training(&records, &rejects).await?;
    let rejected = rejects.into_iter().map(|r| RejectView { line: r.line, reason: r.reason }).collect();
    Ok(ImportView { import_id, imported: records.len(), rejected })
}

/// Parse and check every row of an import: good rows become records, the others
/// rejects with their line and reason.
async fn check_rows(
    state: &AppState,
    text: &str,
    by: &str,
) -> ApiResult<(Vec<TrainingRecord>, Vec<TrainingImportReject>, Uuid)> {
    let (now, today) = (state.now(), today(state)?);
    let import_id = Uuid::now_v7();
    let rows = csv::rows(text, &["username", "course", "completed_on"], &["expires_on"])
        .map_err(|reason| Problem::bad_request("bad_csv", reason))?;
    if rows.len() > MAX_IMPORT_ROWS {
        return Err(Problem::bad_request("bad_csv", format!("at most {MAX_IMPORT_ROWS} rows per import")));
    }
    let members = staff_by_username(state).await?;
    let mut records = Vec::new();
    let mut rejects = Vec::new();
    for CsvRow { line, raw, fields } in rows {
        let checked = fields.and_then(|f| {
            let date = |name: &str, value: &str| {
                NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| format!("{name}: not a YYYY-MM-DD date"))
            };
            let completed_on = date("completed_on", &f[2])?;
            let expires_on = match f.get(3).filter(|v| !v.is_empty()) {
                Some(v) => Some(date("expires_on", v)?),
                None => None,
            };
            let input = RecordInput { username: &f[0], course: &f[1], completed_on, expires_on, source: "import" };
            build_record(state, &members, input, by, today, now).map_err(|(_, reason)| reason)
        });
        match checked {
            Ok(r) => records.push(r),
            Err(reason) => rejects.push(TrainingImportReject {
                id: Uuid::now_v7(),
                import_id,
                line,
                raw,
                reason,
                recorded_by: by.to_owned(),
                recorded_at: now,
            }),
        }
    }
    Ok((records, rejects, import_id))
}
