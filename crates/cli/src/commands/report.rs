//! `cpniguard report certification --year YYYY`: the annual CPNI certification
//! (47 CFR 64.2009(e)) for a calendar year, from the database's records — the same
//! document as `GET /api/v1/privacy-office/certifications/{year}`: the stored figures
//! once the year is drafted, otherwise computed now.

use crate::context::{DbArgs, open_store};
use anyhow::Context as _;
use clap::{Subcommand, ValueEnum};
use cpniguard_server::application::certification::{Format, produce, render};
use cpniguard_server::{AppState, SystemClock};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum ReportCommand {
    /// The annual CPNI certification and its accompanying statement.
    Certification {
        #[command(flatten)]
        db: DbArgs,
        /// The calendar year certified.
        #[arg(long)]
        year: i32,
        #[arg(long, value_enum, default_value_t = OutputFormat::Html)]
        format: OutputFormat,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The signing officer (default: `[certification].officer_name`).
        #[arg(long)]
        officer_name: Option<String>,
        #[arg(long)]
        officer_title: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    Html,
    Pdf,
    /// The underlying figures.
    Json,
}

pub async fn run(cmd: ReportCommand) -> anyhow::Result<()> {
    let ReportCommand::Certification { db, year, format, out, officer_name, officer_title } = cmd;
    let config = db.load_config()?;
    let store = open_store(&config).await?;
    let state = AppState::with_throwaway_key(store, config, Arc::new(SystemClock));
    let (figures, filing) = produce(&state, year, officer_name, officer_title)
        .await
        .map_err(|p| anyhow::anyhow!("certification for {year}: {}", p.detail))?;
    let format = match format {
        OutputFormat::Html => Format::Html,
        OutputFormat::Pdf => Format::Pdf,
        OutputFormat::Json => Format::Json,
    };
    let (_, bytes) = render(&figures, &filing, format);
    match out {
        Some(path) => std::fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?,
        None => std::io::stdout().write_all(&bytes).context("writing to standard output")?,
    }
    Ok(())
}
