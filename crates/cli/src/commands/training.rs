//! `cpniguard training import FILE.csv`: staff CPNI training completions in bulk, with
//! the same checks as `POST /api/v1/privacy-office/training/import`. Good rows are
//! recorded (moving each member's training date, which the disclosure gate reads);
//! refused rows are kept with their line and reason and printed.

use crate::context::{DbArgs, open_store};
use anyhow::Context as _;
use clap::Subcommand;
use cpniguard_server::application::training;
use cpniguard_server::{AppState, SystemClock};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum TrainingCommand {
    /// Import a CSV with the header `username,course,completed_on[,expires_on]`.
    Import {
        #[command(flatten)]
        db: DbArgs,
        file: PathBuf,
        /// Who is recording the import (kept with each record).
        #[arg(long, default_value = "cli")]
        by: String,
    },
}

pub async fn run(cmd: TrainingCommand) -> anyhow::Result<()> {
    let TrainingCommand::Import { db, file, by } = cmd;
    let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let config = db.load_config()?;
    let store = open_store(&config).await?;
    let state = AppState::with_throwaway_key(store, config, Arc::new(SystemClock));
    let summary =
        training::import(&state, &text, &by).await.map_err(|p| anyhow::anyhow!("{}: {}", file.display(), p.detail))?;
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}
