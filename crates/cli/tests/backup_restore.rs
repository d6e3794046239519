//! Backup and restore as an operator runs them, on SQLite and (when
//! `CPNIGUARD_TEST_POSTGRES_URL` is set) PostgreSQL: entries are written through the
//! group-commit writer with the external anchor, the commands run as the binary,
//! and the database is tampered with directly, as an intruder would.

use cpniguard_server::SystemClock;
use cpniguard_server::audit_writer::{AuditWriter, AuditWriterConfig, keys};
use cpniguard_store::conformance::audit_record;
use cpniguard_store::testing::{PgTestDb, create_fresh_postgres_database};
use cpniguard_store::{Store, StoreOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection, SqliteConnection};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

struct Site {
    backend: &'static str,
    dir: TempDir,
    url: String,
    _pg: Option<PgTestDb>,
}

/// A carrier's installation: keys from `cpniguard init`, a configuration file naming
/// the database, the anchor (in a directory of its own) and the letter spool.
async fn sites() -> Vec<Site> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("data").join("cpniguard.db").display());
    let mut out = vec![site("sqlite", dir, url, None).await];
    if let Some((url, db)) = create_fresh_postgres_database().await {
        out.push(site("postgres", tempfile::tempdir().unwrap(), url, Some(db)).await);
    }
    out
}

async fn site(backend: &'static str, dir: TempDir, url: String, pg: Option<PgTestDb>) -> Site {
    let d = dir.path();
    std::fs::create_dir_all(d.join("data")).unwrap();
    let init = Command::new(env!("CARGO_BIN_EXE_cpniguard")).args(["init", "--dir"]).arg(d).output().unwrap();
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let config = format!(
        "[database]\nurl = {url:?}\n\n[audit]\nsigning_key_file = {:?}\npublic_key_file = {:?}\nanchor_file = {:?}\n\n[notices.postal]\nenabled = true\nspool_dir = {:?}\n",
        d.join(keys::PRIVATE_KEY_FILE),
        d.join(keys::PUBLIC_KEY_FILE),
        d.join("anchor").join("audit-anchor.json"),
        d.join("data").join("spool"),
    );
    std::fs::write(d.join("cpniguard.toml"), config).unwrap();
    let site = Site { backend, dir, url, _pg: pg };
    site.store().await.migrate().await.unwrap();
    site
}

impl Site {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    async fn store(&self) -> Arc<dyn Store> {
        cpniguard_store::open(&self.url, &StoreOptions::default()).await.unwrap()
    }

    /// `cpniguard ARGS --config …`, run under umask 000 so that the modes the files
    /// get are the binary's own doing.
    fn run(&self, args: &[&str]) -> Output {
        Command::new("sh")
            .args(["-c", "umask 000; exec \"$@\"", "sh", env!("CARGO_BIN_EXE_cpniguard")])
            .args(args)
            .arg("--config")
            .arg(self.path("cpniguard.toml"))
            .env_remove("CPNIGUARD_TEST_POSTGRES_URL")
            .env_remove("CPNIGUARD_CONFIG")
            .output()
            .unwrap()
    }

    fn run_ok(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(args);
        assert!(out.status.success(), "{} {args:?}: {}", self.backend, String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Entries `from..=to`, one commit each, as the server's writer makes them:
    /// a checkpoint every 10 and one at shutdown, each also anchored.
    async fn write_entries(&self, from: u32, to: u32) {
        let key = keys::load_signing_key(&self.path(keys::PRIVATE_KEY_FILE)).unwrap();
        let config = AuditWriterConfig {
            max_batch: 8,
            checkpoint_every: 10,
            checkpoint_interval: Duration::from_secs(60),
            anchor_file: Some(self.path("anchor/audit-anchor.json")),
        };
        let (writer, task) = AuditWriter::spawn(self.store().await, key, config, Arc::new(SystemClock));
        for n in from..=to {
            writer.append(audit_record(n)).await.unwrap();
        }
        drop(writer);
        task.await.unwrap();
    }

    /// Statements run directly on the database.
    async fn tamper(&self, statements: &[&str]) {
        if self.url.starts_with("sqlite:") {
            let mut conn = SqliteConnection::connect(&self.url).await.unwrap();
            for s in statements {
                sqlx::raw_sql(AssertSqlSafe(*s)).execute(&mut conn).await.unwrap();
            }
            conn.close().await.unwrap();
        } else {
            let mut conn = PgConnection::connect(&self.url).await.unwrap();
            for s in statements {
                sqlx::raw_sql(AssertSqlSafe(*s)).execute(&mut conn).await.unwrap();
            }
            conn.close().await.unwrap();
        }
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_reports_the_acknowledged_entries_it_lost_and_the_chain_verifies() {
    for site in sites().await {
        let b = site.backend;
        site.write_entries(1, 25).await;
        let letter = site.path("data/spool/2026-03-02/letter.pdf");
        std::fs::create_dir_all(letter.parent().unwrap()).unwrap();
        std::fs::write(&letter, b"%PDF-1.4 a letter").unwrap();
        let backup = site.path("backup.zip");
        let report = site.run_ok(&["backup", "--to", backup.to_str().unwrap()]);
        assert_eq!(report["audit_head"], 25, "{b}");
        assert_eq!(report["spool_files"], 1, "{b}");
        #[cfg(unix)]
        assert_eq!(mode(&backup), 0o600, "{b}: a backup holds CPNI");
        let again = site.run(&["backup", "--to", backup.to_str().unwrap()]);
        assert!(!again.status.success(), "{b}: an existing backup is not overwritten");

        // Work continues after the backup, then the database is lost.
        site.write_entries(26, 55).await;
        std::fs::remove_file(&letter).unwrap();
        let restored = site.run_ok(&["restore", "--from", backup.to_str().unwrap()]);
        assert_eq!(restored["restored_head"], 25, "{b}: {restored}");
        assert_eq!(restored["previous_head"], 55, "{b}");
        assert_eq!(restored["anchor_seq"], 55, "{b}");
        assert_eq!(restored["acknowledged_entries_lost"], 30, "{b}");
        assert_eq!(restored["restore_entry_seq"], 26, "{b}");
        assert_eq!(std::fs::read(&letter).unwrap(), b"%PDF-1.4 a letter", "{b}: the spool is restored");
        #[cfg(unix)]
        if b == "sqlite" {
            assert_eq!(mode(&site.path("data/cpniguard.db")), 0o600, "the restored database is private");
        }

        let verified = site.run_ok(&["audit", "verify"]);
        assert_eq!(verified["entries"], 26, "{b}: {verified}");
        assert_eq!(verified["anchor"]["status"], "reached", "{b}");
        assert_eq!(verified["anchor"]["seq"], 26, "{b}");
        let facts = verified["restores"][0]["facts"].as_array().unwrap();
        assert!(facts.iter().any(|f| f == "acknowledged_entries_lost:30"), "{b}: {facts:?}");
        // Serving goes on from the restored chain.
        site.write_entries(27, 40).await;
        site.run_ok(&["audit", "verify"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_whose_audit_rows_were_edited_fails_verification() {
    for site in sites().await {
        let b = site.backend;
        site.write_entries(1, 25).await;
        site.tamper(&["UPDATE audit_entries SET principal_id = 'someone-else' WHERE seq = 7"]).await;
        let backup = site.path("edited.zip");
        site.run_ok(&["backup", "--to", backup.to_str().unwrap()]);
        let out = site.run(&["restore", "--from", backup.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{b}: an edited backup was restored without complaint");
        assert!(err.contains("does not verify") && err.contains("seq 7"), "{b}: {err}");
        let head = site.store().await.audit_head().await.unwrap().unwrap();
        assert_eq!(head.seq, 25, "{b}: no restore entry is recorded for a refused restore");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_newest_entries_with_their_checkpoints_is_caught_by_the_anchor() {
    for site in sites().await {
        let b = site.backend;
        site.write_entries(1, 25).await;
        site.tamper(&[
            "DELETE FROM audit_entries WHERE seq > 15",
            "DELETE FROM audit_checkpoints WHERE seq > 15",
            "UPDATE audit_chain_head SET seq = 15, hash = (SELECT hash FROM audit_entries WHERE seq = 15)",
        ])
        .await;
        let out = site.run(&["audit", "verify"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{b}: the rollback passed verification");
        assert!(err.contains("10 acknowledged entries are missing"), "{b}: {err}");
        // Without the anchor the database alone is consistent: this is the hole the
        // anchor closes.
        std::fs::rename(site.path("anchor/audit-anchor.json"), site.path("anchor/moved.json")).unwrap();
        let report = site.run_ok(&["audit", "verify"]);
        assert_eq!(report["anchor"]["status"], "not_found", "{b}");
    }
}

/// An identity file as `age-keygen` writes it, mode 0600; returns its recipient.
fn age_identity(path: &Path) -> String {
    use age::secrecy::ExposeSecret as _;
    let identity = age::x25519::Identity::generate();
    std::fs::write(path, format!("# created for a test\n{}\n", identity.to_string().expose_secret())).unwrap();
    identity.to_public().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_encrypted_backup_restores_only_with_its_identity() {
    for site in sites().await {
        let b = site.backend;
        site.write_entries(1, 12).await;
        let recipient = age_identity(&site.path("operator.key"));
        let _ = age_identity(&site.path("someone-else.key"));
        let backup = site.path("backup.zip.age");
        let report = site.run_ok(&["backup", "--to", backup.to_str().unwrap(), "--recipient", &recipient]);
        assert_eq!(report["encrypted_to"], serde_json::json!([recipient]), "{b}");
        #[cfg(unix)]
        assert_eq!(mode(&backup), 0o600, "{b}: an encrypted backup is private too");
        let bytes = std::fs::read(&backup).unwrap();
        assert!(bytes.starts_with(b"age-encryption.org/v1\n"), "{b}: an age file");
        assert!(!bytes.windows(13).any(|w| w == b"manifest.json"), "{b}: the archive's names are not readable");
        let leftovers: Vec<_> = std::fs::read_dir(site.dir.path())
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with(".cpniguard-backup"))
            .collect();
        assert!(leftovers.is_empty(), "{b}: the plain archive is removed: {leftovers:?}");

        let bad = site.run(&["backup", "--to", site.path("x.zip").to_str().unwrap(), "--recipient", "age1nope"]);
        let err = String::from_utf8_lossy(&bad.stderr);
        assert!(!bad.status.success() && err.contains("not an age X25519 recipient"), "{b}: {err}");

        site.write_entries(13, 20).await;
        let out = site.run(&["restore", "--from", backup.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains("is encrypted (age): give --identity"), "{b}: {err}");
        let wrong = site.path("someone-else.key");
        let out = site.run(&["restore", "--from", backup.to_str().unwrap(), "--identity", wrong.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{b}: restored with an identity the backup was not made for");
        assert!(err.contains("was not encrypted to any identity in") && err.contains("someone-else.key"), "{b}: {err}");
        let head = site.store().await.audit_head().await.unwrap().unwrap();
        assert_eq!(head.seq, 20, "{b}: a refused restore changes nothing");

        let identity = site.path("operator.key");
        let restored =
            site.run_ok(&["restore", "--from", backup.to_str().unwrap(), "--identity", identity.to_str().unwrap()]);
        assert_eq!(restored["restored_head"], 12, "{b}: {restored}");
        assert_eq!(restored["acknowledged_entries_lost"], 8, "{b}: {restored}");
        let verified = site.run_ok(&["audit", "verify"]);
        assert_eq!(verified["entries"], 13, "{b}: {verified}");
        assert_eq!(verified["anchor"]["status"], "reached", "{b}: {verified}");
    }
}
