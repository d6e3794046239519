//! `cpniguard import accounts --format csv FILE`: the billing system's accounts in.
//! New accounts are loaded with their contact points associated at the dates the
//! billing system gives (so what was of record before go-live still is) and send no
//! notice. Known accounts are brought up to date: profile, contact points through the
//! same change path as the API (`Store::change_contact_points` with
//! `api::accounts::contact_change_effects`, so a changed address or number of record
//! notifies the previous contact of record exactly as an API change would), and
//! services for the telephone numbers (new numbers start at their date, numbers gone
//! end today). Malformed rows go to the import quarantine. Afterwards the unmatched
//! call detail is matched again: numbers may just have been assigned.

use crate::commands::import::{EX_DATAERR, import_failure, open};
use crate::context::{DbArgs, Exit};
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use clap::Args;
use cpniguard_core::account::{Account, TimeZoneName};
use cpniguard_core::contact::{ContactChange, ContactValue};
use cpniguard_core::cpni::Service;
use cpniguard_core::ids::{AccountId, ServiceId};
use cpniguard_core::money::Cents;
use cpniguard_import::billing::{BillingAccount, BillingColumns};
use cpniguard_import::formats::row_hash;
use cpniguard_server::api::accounts::contact_change_effects;
use cpniguard_server::{AppState, SystemClock};
use cpniguard_store::call_import::{CallImportBatch, NewQuarantineEntry, QuarantineKind};
use cpniguard_store::{AccountLoad, Store, StoreWithRecords};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use tokio::io::AsyncBufReadExt;

/// New accounts per bulk load.
const NEW_PER_LOAD: usize = 200;

#[derive(Args)]
pub struct AccountsArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The export's format (only `csv`: one row per account, see docs/import.md).
    #[arg(long, value_parser = ["csv"])]
    format: String,
    /// Name kept with quarantined rows.
    #[arg(long, default_value = "billing")]
    source: String,
    file: PathBuf,
}

#[derive(Default)]
struct Tally {
    read: u64,
    created: u64,
    updated: u64,
    unchanged: u64,
    malformed: u64,
    notices: u64,
}

pub async fn run(args: AccountsArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let config = args.db.load_config()?;
    let store = open(&config).await?;
    let time_zone = TimeZoneName::parse(&config.carrier.time_zone)?;
    let country_code = config.import.default_country_code;
    let import_config = config.import.clone();
    let state = AppState::with_throwaway_key(store.clone(), config, Arc::new(SystemClock));
    let file_name = args.file.display().to_string();
    let file = tokio::fs::File::open(&args.file).await.with_context(|| format!("opening {file_name}"))?;
    let mut lines = tokio::io::BufReader::new(file).lines();
    let mut columns: Option<BillingColumns> = None;
    let mut tally = Tally::default();
    let mut pending: Vec<AccountLoad> = Vec::new();
    let mut malformed: Vec<NewQuarantineEntry> = Vec::new();
    let mut line_number = 0u64;
    while let Some(line) = lines.next_line().await.with_context(|| format!("reading {file_name}"))? {
        line_number += 1;
        if line.trim().is_empty() {
            continue;
        }
        let Some(cols) = &columns else {
            match BillingColumns::from_header(&line) {
                Ok(found) => columns = Some(found),
                Err(reason) => {
                    return Err(Exit::new(EX_DATAERR, format!("{file_name} is not a billing export: {reason}")).into());
                }
            }
            continue;
        };
        tally.read += 1;
        let account = match cols.read(&line, &time_zone, country_code) {
            Ok(account) => account,
            Err(reason) => {
                tally.malformed += 1;
                malformed.push(NewQuarantineEntry {
                    source: args.source.clone(),
                    row_key: format!("malformed:{}", row_hash(&line)),
                    kind: QuarantineKind::Malformed,
                    file_name: file_name.clone(),
                    line_number,
                    reason,
                    row_text: line,
                    call: None,
                    started_at: None,
                });
                continue;
            }
        };
        let number = &account.new.profile.account_number;
        if pending.iter().any(|p| &p.new.profile.account_number == number) {
            load(store.as_ref(), &mut pending, &mut tally).await?;
        }
        match store.get_account_by_number(number).await.map_err(store_failure)? {
            None => pending.push(new_load(account)),
            Some(current) => {
                let change_ref = format!("{}:billing-sync:{}", current.id, row_hash(&line));
                sync_existing(&state, store.as_ref(), &current, &account, &change_ref, &mut tally).await?;
            }
        }
        if pending.len() >= NEW_PER_LOAD {
            load(store.as_ref(), &mut pending, &mut tally).await?;
        }
    }
    if columns.is_none() {
        return Err(Exit::new(EX_DATAERR, format!("{file_name} is empty: no header")).into());
    }
    load(store.as_ref(), &mut pending, &mut tally).await?;
    if !malformed.is_empty() {
        let batch = CallImportBatch { source: &args.source, calls: &[], quarantine: &malformed, resolved: &[] };
        store.import_calls(&batch, Utc::now()).await.map_err(store_failure)?;
    }
    let plain: Arc<dyn Store> = store.clone();
    let rematched = cpniguard_import::rematch(&plain, store.as_ref(), &import_config).await.map_err(import_failure)?;
    let summary = serde_json::json!({
        "read": tally.read,
        "inserted": tally.created,
        "updated": tally.updated,
        "duplicates": tally.unchanged,
        "unmatched": 0,
        "malformed": tally.malformed,
        "notices_queued": tally.notices,
        "calls_rematched": rematched,
        "source": args.source,
        "seconds": (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
    });
    println!("{summary}");
    Ok(())
}

fn store_failure(e: cpniguard_store::StoreError) -> anyhow::Error {
    import_failure(cpniguard_import::ImportError::Store(e))
}

/// A new account opened now, its contact points at their billing dates, a service for
/// each telephone number from its date.
fn new_load(account: BillingAccount) -> AccountLoad {
    let id = AccountId::new();
    let services = account.numbers.iter().map(|(n, since)| number_service(id, n, *since)).collect();
    AccountLoad { id, new: account.new, opened_at: Utc::now(), services, contact_since: account.contact_since }
}

fn number_service(
    account: AccountId,
    number: &cpniguard_core::phone::PhoneNumber,
    since: chrono::NaiveDate,
) -> Service {
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

async fn load(store: &dyn Store, pending: &mut Vec<AccountLoad>, tally: &mut Tally) -> anyhow::Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    store.load_accounts(pending).await.map_err(store_failure)?;
    tally.created += pending.len() as u64;
    pending.clear();
    Ok(())
}

/// Bring a known account up to the billing system's view of it. `records` reads the
/// account's services: the billing system is their source, so the sync compares them.
async fn sync_existing(
    state: &AppState,
    records: &dyn StoreWithRecords,
    current: &Account,
    billed: &BillingAccount,
    change_ref: &str,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let store = &state.store;
    let now: DateTime<Utc> = Utc::now();
    let mut changed = false;
    let mut profile = current.profile.clone();
    profile.name.clone_from(&billed.new.profile.name);
    profile.kind = billed.new.profile.kind;
    profile.status = billed.new.profile.status;
    profile.business_exemption.clone_from(&billed.new.profile.business_exemption);
    if profile != current.profile {
        store.update_profile(current.id, &profile, now).await.map_err(store_failure)?;
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
    let outcome = store.change_contact_points(current.id, &change, now, &effects).await.map_err(store_failure)?;
    if !outcome.plan.is_empty() {
        changed = true;
        tally.notices += outcome.notices.len() as u64;
    }
    changed |= sync_services(records, current.id, billed).await?;
    if changed {
        tally.updated += 1;
    } else {
        tally.unchanged += 1;
    }
    Ok(())
}

/// Services for numbers the account gained start at their billing date; services for
/// numbers it lost end today. Whether anything changed.
async fn sync_services(
    store: &dyn StoreWithRecords,
    account: AccountId,
    billed: &BillingAccount,
) -> anyhow::Result<bool> {
    let today = Utc::now().date_naive();
    let services = store.list_services(account).await.map_err(store_failure)?;
    let open: HashSet<_> =
        services.iter().filter(|s| s.until.is_none()).filter_map(|s| s.service_number.clone()).collect();
    let mut changed = false;
    for (number, since) in &billed.numbers {
        if !open.contains(number) {
            store.add_service(&number_service(account, number, *since)).await.map_err(store_failure)?;
            changed = true;
        }
    }
    for number in open.iter().filter(|n| !billed.numbers.iter().any(|(b, _)| b == *n)) {
        changed |= store.end_number_services(account, number, today).await.map_err(store_failure)? > 0;
    }
    Ok(changed)
}
