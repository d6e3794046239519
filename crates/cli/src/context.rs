//! What most commands share: load the configuration (file, environment, flags) and open
//! the store it names.

use anyhow::Context as _;
use clap::Args;
use cpniguard_server::Config;
use cpniguard_store::{StoreOptions, StoreWithRecords};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Configuration file (TOML). Environment variables CPNIGUARD_… override it.
    #[arg(long, short = 'c', env = "CPNIGUARD_CONFIG")]
    pub config: Option<PathBuf>,
    /// Database URL (sqlite://file.db or postgres://…); overrides the configuration.
    #[arg(long)]
    pub database_url: Option<String>,
}

impl DbArgs {
    pub fn load_config(&self) -> anyhow::Result<Config> {
        let mut config = Config::load(self.config.as_deref()).context("configuration")?;
        if let Some(url) = &self.database_url {
            config.database.url = url.clone();
            config.validate().context("--database-url")?;
        }
        Ok(config)
    }
}

/// Open and migrate the configured store. The CLI is the edge that opens it: a command
/// that serves hands the CPNI reads to the disclosure gate only.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn StoreWithRecords>> {
    let options = StoreOptions {
        max_connections: config.database.max_connections,
        acquire_timeout: Duration::from_secs(config.database.acquire_timeout_secs),
    };
    let store = cpniguard_store::open(&config.database.url, &options)
        .await
        .with_context(|| format!("opening the {} database", scheme(&config.database.url)))?;
    store.migrate().await.context("applying migrations")?;
    Ok(store)
}

/// An error that ends the process with its own status (sysexits.h), for commands
/// whose callers act on it (a scheduler retrying on 75, say).
#[derive(Debug)]
pub struct Exit {
    pub code: u8,
    message: String,
}

impl Exit {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Exit {}

/// The URL scheme only: URLs may carry passwords and must not be printed whole.
pub fn scheme(url: &str) -> &str {
    url.split(':').next().unwrap_or("unknown")
}
