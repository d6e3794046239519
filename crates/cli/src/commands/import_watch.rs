//! `cpniguard import watch`: follow the directory a switch writes its CDR files into
//! (`cpniguard_import::watch`): the file it appends to is followed a complete line at a
//! time, where it got to kept across restarts; rotated and dropped-in files are
//! imported whole and moved to `done/` (or `failed/`). One JSON line per file a pass
//! imported. Runs until SIGINT or SIGTERM, or one pass with `--once`.

use crate::commands::import::{EX_DATAERR, import_failure, open};
use crate::context::{DbArgs, Exit};
use anyhow::Context as _;
use clap::Args;
use cpniguard_import::{Format, ImportError, Source, Watch};
use cpniguard_store::{Store, StoreError};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

#[derive(Args)]
pub struct WatchArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The directory the switch writes into (Asterisk: /var/log/asterisk/cdr-csv).
    #[arg(long)]
    dir: PathBuf,
    /// asterisk-csv, freeswitch-csv or csv.
    #[arg(long, value_parser = crate::commands::import::parse_format)]
    format: Option<Format>,
    /// IANA zone the switch writes its times in (default: the source's, else UTC).
    #[arg(long)]
    timezone: Option<String>,
    /// The source's name in `[import.sources]` (default: the format's name).
    #[arg(long)]
    source: Option<String>,
    /// The file the switch appends to, followed as it grows.
    #[arg(long, default_value = "Master.csv")]
    follow: String,
    /// Seconds between passes.
    #[arg(long, default_value_t = 5)]
    interval: u64,
    /// A file other than the followed one is imported once unchanged for this many
    /// seconds (a rotated file the switch may still be finishing).
    #[arg(long, default_value_t = 10)]
    settle: u64,
    /// One pass, then exit (for a scheduler, or a test).
    #[arg(long)]
    once: bool,
}

/// Most bytes of the followed file held at once: memory stays flat however far behind.
const PIECE_BYTES: usize = 4 << 20;

pub async fn run(args: WatchArgs) -> anyhow::Result<()> {
    let config = args.db.load_config()?;
    let store: Arc<dyn Store> = open(&config).await?;
    let format_name = args.format.map(Format::as_str);
    let name = args.source.as_deref().or(format_name).context("give --format or --source")?;
    let source = Source::resolve(store.as_ref(), &config.import, name, args.format, args.timezone.as_deref())
        .await
        .map_err(import_failure)?;
    let meta = std::fs::metadata(&args.dir).with_context(|| format!("--dir {}", args.dir.display()))?;
    anyhow::ensure!(meta.is_dir(), "--dir {} is not a directory", args.dir.display());
    let watch = Watch {
        dir: args.dir.clone(),
        follow: args.follow.clone(),
        source,
        settle: Duration::from_secs(args.settle),
        piece_bytes: PIECE_BYTES,
    };
    if args.once {
        return pass(&watch, &store).await;
    }
    let stop = cpniguard_server::serve::shutdown_signal();
    tokio::pin!(stop);
    loop {
        match pass(&watch, &store).await {
            Ok(()) => {}
            // The database may come back: say so and try again next pass.
            Err(e) if is_temporary(&e) => eprintln!("warning: {e:#}; trying again"),
            Err(e) => return Err(e),
        }
        tokio::select! {
            () = &mut stop => return Ok(()),
            () = tokio::time::sleep(Duration::from_secs(args.interval)) => {}
        }
    }
}

async fn pass(watch: &Watch, store: &Arc<dyn Store>) -> anyhow::Result<()> {
    match watch.pass(store, SystemTime::now()).await {
        Ok(steps) => {
            for step in steps {
                println!("{}", serde_json::to_string(&step)?);
            }
            Ok(())
        }
        // The followed file itself is not of the format: nothing to follow.
        Err(ImportError::NotTheFormat { file, format, reason }) => {
            Err(Exit::new(EX_DATAERR, format!("{file} is not a {format} file: {reason}")).into())
        }
        Err(e) => Err(import_failure(e)),
    }
}

fn is_temporary(e: &anyhow::Error) -> bool {
    e.downcast_ref::<Exit>().is_some_and(|exit| exit.code == crate::commands::import::EX_TEMPFAIL)
        || e.chain().any(|c| matches!(c.downcast_ref::<StoreError>(), Some(StoreError::Unavailable(_))))
}
