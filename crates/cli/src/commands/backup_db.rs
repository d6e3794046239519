//! The database inside a backup, per backend. SQLite: `VACUUM INTO`, a consistent
//! copy taken in one read transaction while the server keeps serving. PostgreSQL:
//! `pg_dump --format=custom` (a consistent snapshot too), restored by `pg_restore` as
//! SQL run by `psql` in one transaction that first empties the schema, so a restore
//! that fails leaves the database as it was. The client tools must be installed and
//! of the server's major version or newer.

use anyhow::{Context as _, bail};
use cpniguard_store::Backend;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
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

/// What runs before the dump's own statements, in the same transaction: the schema
/// emptied whole. (`pg_restore --clean` drops object by object and fails on the
/// partitions of `calls` and `audit_entries`: it tries to drop each partition's
/// primary key, which the partition inherits and cannot drop.)
const EMPTY_SCHEMA: &[u8] = b"BEGIN;\nDROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n";

/// Replace the PostgreSQL database's contents with a dump, in one transaction:
/// `pg_restore` writes the dump as SQL into `psql`, after [`EMPTY_SCHEMA`], and the
/// transaction is committed only if `pg_restore` finished and `psql` met no error. A
/// `psql` that reaches the end of its input without `COMMIT` rolls everything back.
pub fn restore_postgres(url: &str, dump: &Path) -> anyhow::Result<()> {
    // psql's messages go to a file, not a pipe: a pipe nobody reads while the script is
    // being written could fill and stall both programs.
    let mut messages = tempfile::tempfile()?;
    let mut psql = Command::new("psql")
        .args(["--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1"])
        .arg(format!("--dbname={url}"))
        // The schema's drop would list every object it cascades to.
        .env("PGOPTIONS", "-c client_min_messages=warning")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(messages.try_clone()?)
        .spawn()
        .context("running psql (is the PostgreSQL client installed?)")?;
    let mut pg_restore = Command::new("pg_restore")
        .args(["--no-owner", "--no-privileges", "--file=-"])
        .arg(dump)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running pg_restore (is the PostgreSQL client installed?)")?;
    let mut script = psql.stdin.take().context("psql's input")?;
    let mut dumped = pg_restore.stdout.take().context("pg_restore's output")?;
    // A write fails only when psql has stopped on an error, which its status reports.
    let sent = script.write_all(EMPTY_SCHEMA).and_then(|()| std::io::copy(&mut dumped, &mut script).map(drop));
    drop(dumped);
    let restored = pg_restore.wait_with_output()?;
    if sent.is_ok() && restored.status.success() {
        // Ignored for the same reason as above.
        let _ = script.write_all(b"COMMIT;\n");
    }
    drop(script);
    let applied = psql.wait()?;
    if !restored.status.success() {
        bail!("pg_restore failed: {}", String::from_utf8_lossy(&restored.stderr).trim());
    }
    if !applied.success() || sent.is_err() {
        let mut text = String::new();
        std::io::Seek::rewind(&mut messages)?;
        std::io::Read::read_to_string(&mut messages, &mut text)?;
        bail!("restoring the dump failed, nothing was changed: {}", text.trim());
    }
    Ok(())
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
