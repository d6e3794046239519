//! `cpniguard retention run`: delete call detail and import-quarantine rows older than
//! `[rules] call_detail_retention_months` now (serve does it daily), sparing accounts
//! under a legal hold or tied to an open or still-retained breach incident, and record
//! the counts per month in the audit log (signed with the carrier's key).

use crate::commands::serve::signing_state;
use crate::context::{DbArgs, open_store};
use anyhow::Context as _;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum RetentionCommand {
    /// Delete what is past retention now; prints what went, by month, as JSON.
    Run(DbArgs),
}

pub async fn run(cmd: RetentionCommand) -> anyhow::Result<()> {
    let RetentionCommand::Run(db) = cmd;
    let config = db.load_config()?;
    let store = open_store(&config).await?;
    let (state, audit_writer) = signing_state(config, store)?;
    let report = cpniguard_server::retention_jobs::run_once(&state, state.now()).await?;
    drop(state);
    audit_writer.await.context("the audit writer panicked")?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
