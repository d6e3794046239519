//! The billing sync: the billing system's account export in, as `cpniguard import
//! accounts FILE` and `POST /api/v1/imports/accounts` (role `billing`) both do it, read a
//! line at a time. New accounts are loaded with their contact points associated at the
//! dates the billing system gives (so what was of record before go-live still is) and
//! send no notice. Known accounts are brought up to date: profile, contact points through
//! the same change path as the API (`Store::change_contact_points` with
//! `application::contacts::contact_change_effects`, so a changed address or number of record
//! notifies the previous contact of record exactly as an API change would), and services
//! for the telephone numbers (new numbers start at their date, numbers gone end today).
//! Malformed rows go to the import quarantine. Afterwards the unmatched call detail is
//! matched again ([`Gate::rematch_imports`](crate::gate::Gate::rematch_imports)):
//! numbers may just have been assigned.

use crate::application::contacts::contact_change_effects;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use cpniguard_core::account::{Account, TimeZoneName};
use cpniguard_core::contact::{ContactChange, ContactValue};
use cpniguard_core::cpni::Service;
use cpniguard_core::ids::{AccountId, ServiceId};
use cpniguard_core::money::Cents;
use cpniguard_core::phone::PhoneNumber;
use cpniguard_import::billing::{BillingAccount, BillingColumns};
use cpniguard_import::formats::row_hash;
use cpniguard_import::{ImportError, RematchCounts};
use cpniguard_store::call_import::{CallImportBatch, NewQuarantineEntry, QuarantineKind};
use cpniguard_store::{AccountLoad, Store, StoreError};
use serde::Serialize;
use std::collections::HashSet;
use std::time::Instant;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};
use utoipa::ToSchema;

/// New accounts per bulk load, and malformed rows per quarantine write.
const PER_WRITE: usize = 200;

/// How the rows of a billing export ended.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct BillingSyncSummary {
    pub read: u64,
    /// Accounts created.
    pub inserted: u64,
    pub updated: u64,
    /// Accounts already as the export has them.
    pub duplicates: u64,
    /// Always 0: an export row names its account.
    pub unmatched: u64,
    pub malformed: u64,
    pub notices_queued: u64,
    pub calls_rematched: RematchView,
    pub source: String,
    pub seconds: f64,
}

/// The rematch of the quarantined call detail after the sync.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct RematchView {
    pub examined: u64,
    pub inserted: u64,
    pub duplicates: u64,
    pub still_unmatched: u64,
}

impl From<RematchCounts> for RematchView {
    fn from(c: RematchCounts) -> Self {
        Self {
            examined: c.examined,
            inserted: c.inserted,
            duplicates: c.duplicates,
            still_unmatched: c.still_unmatched,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BillingSyncError {
    /// The first line is not a billing export's header; nothing was changed.
    #[error("{file} is not a billing export: {reason}")]
    NotAnExport { file: String, reason: String },
    #[error(transparent)]
    Import(#[from] ImportError),
}

impl From<StoreError> for BillingSyncError {
    fn from(e: StoreError) -> Self {
        BillingSyncError::Import(ImportError::Store(e))
    }
}

/// Sync one export read from `reader` (named `file_name` in the quarantine).
pub async fn sync_accounts<R: AsyncBufRead + Unpin>(
    state: &AppState,
    reader: R,
    file_name: &str,
    source: &str,
) -> Result<BillingSyncSummary, BillingSyncError> {
    let started = Instant::now();
    let store = state.store.as_ref();
    let time_zone = TimeZoneName::parse(&state.config.carrier.time_zone)
        .map_err(|e| ImportError::Config(format!("[carrier] time_zone: {e}")))?;
    let country_code = state.config.import.default_country_code;
    let mut lines = reader.lines();
    let mut columns: Option<BillingColumns> = None;
    let mut tally = BillingSyncSummary { source: source.to_owned(), ..Default::default() };
    let mut pending: Vec<AccountLoad> = Vec::new();
    let mut malformed: Vec<NewQuarantineEntry> = Vec::new();
    let mut line_number = 0u64;
    let read_error = |e| ImportError::Read { file: file_name.to_owned(), source: e };
    while let Some(line) = lines.next_line().await.map_err(read_error)? {
        line_number += 1;
        if line.trim().is_empty() {
            continue;
        }
        let Some(cols) = &columns else {
            let found = BillingColumns::from_header(&line)
                .map_err(|reason| BillingSyncError::NotAnExport { file: file_name.to_owned(), reason })?;
            columns = Some(found);
            continue;
        };
        tally.read += 1;
        let account = match cols.read(&line, &time_zone, country_code) {
            Ok(account) => account,
            Err(reason) => {
                tally.malformed += 1;
                malformed.push(NewQuarantineEntry {
                    source: source.to_owned(),
                    row_key: format!("malformed:{}", row_hash(&line)),
                    kind: QuarantineKind::Malformed,
                    file_name: file_name.to_owned(),
                    line_number,
                    reason,
                    row_text: line,
                    call: None,
                    started_at: None,
                });
                if malformed.len() >= PER_WRITE {
                    quarantine(store, source, &mut malformed).await?;
                }
                continue;
            }
        };
        let number = &account.new.profile.account_number;
        if pending.iter().any(|p| &p.new.profile.account_number == number) {
            load(store, &mut pending, &mut tally).await?;
        }
        match store.get_account_by_number(number).await? {
            None => pending.push(new_load(account)),
            Some(current) => {
                let change_ref = format!("{}:billing-sync:{}", current.id, row_hash(&line));
                sync_existing(state, &current, &account, &change_ref, &mut tally).await?;
            }
        }
        if pending.len() >= PER_WRITE {
            load(store, &mut pending, &mut tally).await?;
        }
    }
    if columns.is_none() {
        let reason = "it is empty: no header".to_owned();
        return Err(BillingSyncError::NotAnExport { file: file_name.to_owned(), reason });
    }
    load(store, &mut pending, &mut tally).await?;
    quarantine(store, source, &mut malformed).await?;
    tally.calls_rematched = state.gate.rematch_imports(state).await?.into();
    tally.seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    Ok(tally)
}

async fn quarantine(store: &dyn Store, source: &str, rows: &mut Vec<NewQuarantineEntry>) -> Result<(), StoreError> {
    if !rows.is_empty() {
        let batch = CallImportBatch { source, calls: &[], quarantine: rows, resolved: &[] };
        store.import_calls(&batch, Utc::now()).await?;
        rows.clear();
    }
    Ok(())
}

/// A new account opened now, its contact points at their billing dates, a service for
/// each telephone number from its date.
fn new_load(account: BillingAccount) -> AccountLoad {
    let id = AccountId::new();
    let services = account.numbers.iter().map(|(n, since)| number_service(id, n, *since)).collect();
    AccountLoad { id, new: account.new, opened_at: Utc::now(), services, contact_since: account.contact_since }
}

fn number_service(account: AccountId, number: &PhoneNumber, since: chrono::NaiveDate) -> Service {
    Service {
        id: ServiceId::new(),
        account_id: account,
        service_type: "voip_line".to_owned(),
        service_number: Some(number.clone()),
        quantity: 1,
        configuration: serde_json::json!({}),
        // The billing export carries numbers, not their rates.
        rate_plan: "as billed".to_owned(),
        monthly_rate: Cents::ZERO,
        since,
        until: None,
    }
}

async fn load(
    store: &dyn Store,
    pending: &mut Vec<AccountLoad>,
    tally: &mut BillingSyncSummary,
) -> Result<(), StoreError> {
    if pending.is_empty() {
        return Ok(());
    }
    store.load_accounts(pending).await?;
    tally.inserted += pending.len() as u64;
    pending.clear();
    Ok(())
}

/// Bring a known account up to the billing system's view of it.
async fn sync_existing(
    state: &AppState,
    current: &Account,
    billed: &BillingAccount,
    change_ref: &str,
    tally: &mut BillingSyncSummary,
) -> Result<(), StoreError> {
    let store = &state.store;
    let now: DateTime<Utc> = Utc::now();
    let mut changed = false;
    let mut profile = current.profile.clone();
    profile.name.clone_from(&billed.new.profile.name);
    profile.kind = billed.new.profile.kind;
    profile.status = billed.new.profile.status;
    profile.business_exemption.clone_from(&billed.new.profile.business_exemption);
    if profile != current.profile {
        store.update_profile(current.id, &profile, now).await?;
        changed = true;
    }
    let current_values: HashSet<&ContactValue> = current.contact_points.iter().map(|p| &p.value).collect();
    let current_email = current.contact_points.iter().find_map(|p| match &p.value {
        ContactValue::Email(e) => Some(e.clone()),
        _ => None,
    });
    let billed_phones: HashSet<_> = billed.new.telephone_numbers.iter().collect();
    let change = ContactChange {
        postal_address: (!current_values.contains(&ContactValue::Postal(billed.new.postal_address.clone())))
            .then(|| billed.new.postal_address.clone()),
        email: (current_email != billed.new.email).then(|| billed.new.email.clone()),
        add_telephone_numbers: billed
            .new
            .telephone_numbers
            .iter()
            .filter(|n| !current_values.contains(&ContactValue::Phone((*n).clone())))
            .cloned()
            .collect(),
        remove_telephone_numbers: current
            .contact_points
            .iter()
            .filter_map(|p| match &p.value {
                ContactValue::Phone(n) if !billed_phones.contains(n) => Some(n.clone()),
                _ => None,
            })
            .collect(),
    };
    let effects = contact_change_effects(state, change_ref, now);
    let outcome = store.change_contact_points(current.id, &change, now, &effects).await?;
    if !outcome.plan.is_empty() {
        changed = true;
        tally.notices_queued += outcome.notices.len() as u64;
    }
    changed |= sync_services(store.as_ref(), current, billed).await?;
    if changed {
        tally.updated += 1;
    } else {
        tally.duplicates += 1;
    }
    Ok(())
}

/// Services for numbers the account gained start at their billing date; services for
/// numbers it lost end today. Whether anything changed. The account's open services are
/// found through the numbers (its telephone numbers of record and the billed ones): the
/// number holders are the import's own lookup, not a read of the account's CPNI.
async fn sync_services(store: &dyn Store, current: &Account, billed: &BillingAccount) -> Result<bool, StoreError> {
    let today = Utc::now().date_naive();
    let mut numbers: Vec<PhoneNumber> = billed.numbers.iter().map(|(n, _)| n.clone()).collect();
    numbers.extend(current.contact_points.iter().filter_map(|p| match &p.value {
        ContactValue::Phone(n) => Some(n.clone()),
        _ => None,
    }));
    numbers.sort_unstable();
    numbers.dedup();
    let open: HashSet<PhoneNumber> = store
        .number_holders(&numbers)
        .await?
        .into_iter()
        .filter(|h| h.account_id == current.id && h.until.is_none())
        .map(|h| h.number)
        .collect();
    let mut changed = false;
    for (number, since) in &billed.numbers {
        if !open.contains(number) {
            store.add_service(&number_service(current.id, number, *since)).await?;
            changed = true;
        }
    }
    for number in open.iter().filter(|n| !billed.numbers.iter().any(|(b, _)| b == *n)) {
        changed |= store.end_number_services(current.id, number, today).await? > 0;
    }
    Ok(changed)
}
