//! The database inside a backup, per backend. SQLite: `VACUUM INTO`, a consistent
//! copy taken in one read transaction while the server keeps serving. PostgreSQL:
//! `pg_dump --format=custom` (a consistent snapshot too) and `pg_restore` in one
//! transaction, so a restore that fails leaves the database as it was. The client
//! tools must be installed and of the server's major version or newer.

use anyhow::{Context as _, bail};
use cpniguard_store::Backend;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr as _;

/// The archive member holding the database for each backend.
pub fn member(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "database.sqlite",
        Backend::Postgres => "database.pgdump",
    }
}

pub fn backend_of(url: &str) -> Backend {
    if url.starts_with("sqlite:") { Backend::Sqlite } else { Backend::Postgres }
}

/// The file a `sqlite:` URL names.
pub fn sqlite_file(url: &str) -> anyhow::Result<PathBuf> {
    let options = SqliteConnectOptions::from_str(url).context("the SQLite database URL")?;
    Ok(options.get_filename().to_owned())
}

/// Write a consistent copy of the database to `to` (which must not exist).
pub async fn dump(url: &str, to: &Path) -> anyhow::Result<()> {
    match backend_of(url) {
        Backend::Sqlite => {
            let mut conn = SqliteConnectOptions::from_str(url)?.connect().await.context("opening the database")?;
            let target = to.to_str().context("the backup's temporary path is not UTF-8")?;
            sqlx::query("VACUUM INTO ?").bind(target).execute(&mut conn).await.context("VACUUM INTO")?;
            conn.close().await?;
            Ok(())
        }
        Backend::Postgres => run_tool(
            Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
                .arg(to)
                .arg(format!("--dbname={url}")),
        ),
    }
}

/// Replace the PostgreSQL database's contents with a dump, in one transaction.
pub fn restore_postgres(url: &str, dump: &Path) -> anyhow::Result<()> {
    run_tool(
        Command::new("pg_restore")
            .args([
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
            ])
            .arg(format!("--dbname={url}"))
            .arg(dump),
    )
}

/// Run a PostgreSQL client tool; its own message on failure (they name the host and
/// database, never the password).
fn run_tool(command: &mut Command) -> anyhow::Result<()> {
    let program = command.get_program().to_string_lossy().into_owned();
    let output =
        command.output().with_context(|| format!("running {program} (is the PostgreSQL client installed?)"))?;
    if !output.status.success() {
        bail!("{program} failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(())
}
