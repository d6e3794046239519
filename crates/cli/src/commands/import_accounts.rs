//! `cpniguard import accounts --format csv FILE`: the billing system's accounts in,
//! through the same sync as `POST /api/v1/imports/accounts`
//! (`cpniguard_server::application::billing_sync`): new accounts with the billing
//! system's association dates and no notice, known ones brought up to date through the
//! API's change path (with its notices), services for the numbers, malformed rows
//! quarantined, then the unmatched call detail matched again. Exit 65 when the file is
//! not a billing export (nothing changed), 75 when the database is unavailable.

use crate::commands::import::{EX_DATAERR, import_failure, open};
use crate::context::{DbArgs, Exit};
use anyhow::Context as _;
use clap::Args;
use cpniguard_server::application::billing_sync::{BillingSyncError, sync_accounts};
use cpniguard_server::{AppState, SystemClock};
use std::path::PathBuf;
use std::sync::Arc;

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

pub async fn run(args: AccountsArgs) -> anyhow::Result<()> {
    let config = args.db.load_config()?;
    let store = open(&config).await?;
    // The sync writes no audit entry of its own (the upload records one, signed): a
    // throwaway key is enough for the state its change path needs.
    let state = AppState::with_throwaway_key(store, config, Arc::new(SystemClock));
    let file_name = args.file.display().to_string();
    let file = tokio::fs::File::open(&args.file).await.with_context(|| format!("opening {file_name}"))?;
    let reader = tokio::io::BufReader::new(file);
    match sync_accounts(&state, reader, &file_name, &args.source).await {
        Ok(summary) => {
            println!("{}", serde_json::to_string(&summary)?);
            Ok(())
        }
        Err(BillingSyncError::NotAnExport { file, reason }) => {
            Err(Exit::new(EX_DATAERR, format!("{file} is not a billing export: {reason}")).into())
        }
        Err(BillingSyncError::Import(e)) => Err(import_failure(e)),
    }
}
