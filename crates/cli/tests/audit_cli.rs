//! The audit chain as an outsider checks it: entries written through the
//! group-commit writer into a SQLite file, then tampered with directly in the file
//! (edit, delete, insert, swap, truncate the tail); `cpniguard audit verify` must
//! fail naming the seq each time. Exports are sealed by a signed statement and verify
//! with no database; an export edited, reordered, given an extra entry or cut (after
//! its last checkpoint, or back to an earlier one inside it) is refused. A checkpoint
//! is signed on demand, and `verify` says how old the newest is — on SQLite and,
//! when `CPNIGUARD_TEST_POSTGRES_URL` is set, on PostgreSQL.

use cpniguard_server::SystemClock;
use cpniguard_server::audit_writer::{AuditWriter, AuditWriterConfig, keys};
use cpniguard_store::conformance::audit_record;
use cpniguard_store::testing::{PgTestDb, create_fresh_postgres_database};
use cpniguard_store::{Store, StoreOptions};
use serde_json::Value;
use sqlx::{Connection, SqliteConnection};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

const ENTRIES: u32 = 35;

fn cpniguard() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cpniguard"));
    c.env_remove("CPNIGUARD_TEST_POSTGRES_URL").env_remove("CPNIGUARD_CONFIG");
    c
}

struct Chain {
    dir: TempDir,
    url: String,
    _postgres: Option<PgTestDb>,
}

impl Chain {
    fn public_key(&self) -> PathBuf {
        self.dir.path().join(keys::PUBLIC_KEY_FILE)
    }

    fn signing_key(&self) -> PathBuf {
        self.dir.path().join(keys::PRIVATE_KEY_FILE)
    }

    async fn store(&self) -> Arc<dyn Store> {
        cpniguard_store::open(&self.url, &StoreOptions::default()).await.unwrap()
    }

    /// Entries appended with no checkpoint after them, as while a server runs.
    async fn append_unsealed(&self, numbers: std::ops::RangeInclusive<u32>) {
        let records: Vec<_> = numbers.map(audit_record).collect();
        self.store().await.append_audit(&records).await.unwrap();
    }

    /// `cpniguard` in the chain's directory, where the default anchor file
    /// (`audit-anchor.json`, relative) lives.
    fn command(&self) -> Command {
        let mut c = cpniguard();
        c.current_dir(self.dir.path());
        c
    }

    fn verify(&self) -> Output {
        self.command()
            .args(["audit", "verify", "--database-url", &self.url, "--public-key"])
            .arg(self.public_key())
            .output()
            .unwrap()
    }

    /// Run statements directly on the database file, as an intruder would.
    async fn tamper(&self, statements: &[&str]) {
        let mut conn = SqliteConnection::connect(&self.url).await.unwrap();
        for s in statements {
            sqlx::raw_sql(sqlx::AssertSqlSafe(*s)).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();
    }
}

/// `cpniguard init`, then entries 1..=35 through the writer, checkpointed every 10
/// and at shutdown, in a SQLite file.
async fn chain() -> Chain {
    chain_on(None).await
}

/// The same chain on SQLite and, when configured, on a fresh PostgreSQL database.
async fn chains() -> Vec<Chain> {
    let mut out = vec![chain().await];
    if let Some(postgres) = create_fresh_postgres_database().await {
        out.push(chain_on(Some(postgres)).await);
    }
    out
}

async fn chain_on(postgres: Option<(String, PgTestDb)>) -> Chain {
    let dir = tempfile::tempdir().unwrap();
    let out = cpniguard().args(["init", "--dir"]).arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("SIGNING KEY-----"), "the private key is never printed");
    let again = cpniguard().args(["init", "--dir"]).arg(dir.path()).output().unwrap();
    assert!(!again.status.success(), "init refuses to overwrite");

    let (url, postgres) = match postgres {
        Some((url, db)) => (url, Some(db)),
        None => (format!("sqlite://{}", dir.path().join("audit.db").display()), None),
    };
    let store = cpniguard_store::open(&url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let key = keys::load_signing_key(&dir.path().join(keys::PRIVATE_KEY_FILE)).unwrap();
    let config = AuditWriterConfig {
        max_batch: 8,
        checkpoint_every: 10,
        checkpoint_interval: Duration::from_secs(60),
        anchor_file: None,
    };
    let (writer, task) = AuditWriter::spawn(store, key, config, Arc::new(SystemClock));
    let mut waiting = Vec::new();
    for n in 1..=ENTRIES {
        let writer = writer.clone();
        waiting.push(tokio::spawn(async move { writer.append(audit_record(n)).await.unwrap() }));
    }
    for w in waiting {
        w.await.unwrap();
    }
    drop(writer);
    task.await.unwrap();
    Chain { dir, url, _postgres: postgres }
}

fn assert_fails_at(out: &Output, seq: u64, what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{what} was not detected");
    assert!(err.contains(&format!("failed at seq {seq}:")), "{what}: expected seq {seq}: {err}");
}

#[tokio::test]
async fn an_intact_chain_verifies() {
    let chain = chain().await;
    let out = chain.verify();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["entries"], ENTRIES);
    assert_eq!(report["unsealed"], 0);
}

#[tokio::test]
async fn an_edited_entry_is_detected() {
    let chain = chain().await;
    chain.tamper(&["UPDATE audit_entries SET principal_id = 'someone-else' WHERE seq = 7"]).await;
    assert_fails_at(&chain.verify(), 7, "an edit");
}

#[tokio::test]
async fn a_deleted_entry_is_detected() {
    let chain = chain().await;
    chain.tamper(&["DELETE FROM audit_entries WHERE seq = 12"]).await;
    assert_fails_at(&chain.verify(), 12, "a deletion");
}

#[tokio::test]
async fn an_inserted_entry_is_detected() {
    let chain = chain().await;
    // Make room at 15 by shifting the later entries up, then put a copy of entry 3
    // there: its stored prev_hash is not entry 14's hash.
    chain
        .tamper(&[
            "UPDATE audit_entries SET seq = seq + 1000 WHERE seq >= 15",
            "UPDATE audit_entries SET seq = seq - 999 WHERE seq >= 1015",
            "INSERT INTO audit_entries SELECT 15, at, principal_kind, principal_id, principal_role, action, \
             account_id, purpose, channel, interaction_id, legal_ref, fraud_ref, decision, policy_ids, \
             policy_set_hash, request_id, record_refs, prev_hash, hash FROM audit_entries WHERE seq = 3",
        ])
        .await;
    assert_fails_at(&chain.verify(), 15, "an insertion");
}

#[tokio::test]
async fn swapped_entries_are_detected() {
    let chain = chain().await;
    chain
        .tamper(&[
            "UPDATE audit_entries SET seq = 100000 WHERE seq = 20",
            "UPDATE audit_entries SET seq = 20 WHERE seq = 21",
            "UPDATE audit_entries SET seq = 21 WHERE seq = 100000",
        ])
        .await;
    assert_fails_at(&chain.verify(), 20, "a reordering");
}

#[tokio::test]
async fn a_truncated_tail_is_detected() {
    let chain = chain().await;
    chain.tamper(&["DELETE FROM audit_entries WHERE seq > 25"]).await;
    assert_fails_at(&chain.verify(), 26, "a tail cut behind a checkpoint");

    // Cutting the checkpoints too leaves the recorded chain head to tell.
    let chain = self::chain().await;
    let last = ENTRIES - 4;
    let cut = [
        format!("DELETE FROM audit_entries WHERE seq > {last}"),
        format!("DELETE FROM audit_checkpoints WHERE seq > {last}"),
    ];
    chain.tamper(&cut.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert_fails_at(&chain.verify(), u64::from(last) + 1, "a tail cut with its checkpoints");
}

fn export(chain: &Chain, from: &str, to: &str) -> PathBuf {
    let file = chain.dir.path().join(format!("export-{from}-{to}.jsonl"));
    let out = chain
        .command()
        .args(["audit", "export", "--database-url", &chain.url, "--from", from, "--to", to, "--out"])
        .arg(&file)
        .arg("--signing-key")
        .arg(chain.signing_key())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    file
}

fn verify_file(file: &Path, public_key: &Path) -> Output {
    // The database URL points nowhere: verifying an export needs none.
    cpniguard()
        .current_dir(file.parent().unwrap())
        .args(["audit", "verify", "--database-url", "sqlite:///nonexistent/dir/x.db", "--file"])
        .arg(file)
        .arg("--public-key")
        .arg(public_key)
        .output()
        .unwrap()
}

fn report(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The export's lines, changed by `edit`, written next to it; verified.
fn verify_edited(chain: &Chain, file: &Path, edit: impl FnOnce(&mut Vec<String>)) -> Output {
    let mut lines: Vec<String> = std::fs::read_to_string(file).unwrap().lines().map(str::to_owned).collect();
    let before = lines.clone();
    edit(&mut lines);
    assert_ne!(lines, before, "the test changed the file");
    let bad = chain.dir.path().join("tampered.jsonl");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    verify_file(&bad, &chain.public_key())
}

fn is_entry(line: &str, seq: u64) -> bool {
    line.contains("\"type\":\"entry\"") && line.contains(&format!("\"seq\":{seq},"))
}

fn position(lines: &[String], pred: impl Fn(&str) -> bool) -> usize {
    lines.iter().position(|l| pred(l)).unwrap()
}

#[tokio::test]
async fn an_export_verifies_without_the_database_and_tampering_is_detected() {
    let chain = chain().await;
    let whole = export(&chain, "2025-01-01", "2025-12-31");
    let report = report(&verify_file(&whole, &chain.public_key()));
    assert_eq!(report["entries"], ENTRIES);
    assert_eq!(report["covering_checkpoint"]["seq"], ENTRIES, "{report}");
    assert_eq!(report["range_from"], "2025-01-01T00:00:00Z");
    assert!(report["newest_checkpoint_age_seconds"].as_i64().unwrap() < 600, "{report}");

    // A time range in the middle: widened to checkpoints, so it verifies on its own.
    let part = export(&chain, "2025-01-15T12:00:14Z", "2025-01-15T12:00:17Z");
    let out = verify_file(&part, &chain.public_key());
    let report = self::report(&out);
    assert!(report["first_seq"].as_u64().unwrap() <= 14 && report["unsealed"] == 0, "{report}");

    let edited = verify_edited(&chain, &whole, |lines| {
        let i = position(lines, |l| is_entry(l, 9));
        lines[i] = lines[i].replace("\"decision\":\"allow\"", "\"decision\":\"deny\"");
    });
    assert_fails_at(&edited, 9, "an edited export line");

    let swapped = verify_edited(&chain, &whole, |lines| {
        let (a, b) = (position(lines, |l| is_entry(l, 16)), position(lines, |l| is_entry(l, 17)));
        lines.swap(a, b);
    });
    assert_fails_at(&swapped, 16, "reordered export lines");

    let inserted = verify_edited(&chain, &whole, |lines| {
        let copy = lines[position(lines, |l| is_entry(l, 3))].clone();
        lines.insert(position(lines, |l| is_entry(l, 21)), copy);
    });
    assert_fails_at(&inserted, 3, "an entry inserted into an export (the copy of 3 is named)");

    // Another carrier's key does not verify this export.
    let other = tempfile::tempdir().unwrap();
    keys::write_key_pair(other.path(), &keys::generate()).unwrap();
    let out = verify_file(&whole, &other.path().join(keys::PUBLIC_KEY_FILE));
    assert!(!out.status.success());
}

/// The case the statement exists for: an export taken while the server runs ends
/// after the last checkpoint, and cutting its tail leaves a chain that links.
#[tokio::test]
async fn a_cut_export_is_refused_even_back_to_an_earlier_checkpoint() {
    let chain = chain().await;
    chain.append_unsealed(36..=40).await;
    let file = export(&chain, "2025-01-01", "2025-12-31");
    let report = report(&verify_file(&file, &chain.public_key()));
    assert_eq!((report["entries"].as_u64(), report["unsealed"].as_u64()), (Some(40), Some(5)), "{report}");
    assert_eq!(report["covering_checkpoint"], Value::Null, "no checkpoint covers entries 36-40 yet");

    let cut_tail = verify_edited(&chain, &file, |lines| lines.retain(|l| !is_entry(l, 39) && !is_entry(l, 40)));
    assert_fails_at(&cut_tail, 39, "a tail cut after the last checkpoint");

    // Cut back to the checkpoint at 20, its later checkpoints and the statement gone too.
    let cut_back = verify_edited(&chain, &file, |lines| {
        lines.retain(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            match v["type"].as_str().unwrap() {
                "entry" | "checkpoint" => v["seq"].as_u64().unwrap() <= 20,
                "statement" => false,
                _ => true,
            }
        })
    });
    assert_fails_at(&cut_back, 21, "a cut back to an earlier checkpoint");
    assert!(String::from_utf8_lossy(&cut_back.stderr).contains("without its signed statement"));

    let appended = verify_edited(&chain, &file, |lines| {
        let statement = lines.pop().unwrap();
        let forged = lines.last().unwrap().replace("\"seq\":40,", "\"seq\":41,");
        lines.extend([forged, statement]);
    });
    assert!(!appended.status.success(), "an entry added at the end");
}

/// `audit checkpoint` seals the head on demand; `verify` and the export then name it.
#[tokio::test]
async fn a_checkpoint_on_demand_seals_the_head_on_every_backend() {
    for chain in chains().await {
        chain.append_unsealed(36..=38).await;
        let verify = report(&chain.verify());
        assert_eq!((verify["unsealed"].as_u64(), verify["newest_checkpoint"]["seq"].as_u64()), (Some(3), Some(35)));
        assert!(verify["newest_checkpoint"]["age_seconds"].as_i64().unwrap() >= 0, "{verify}");

        let checkpoint = |chain: &Chain| {
            let out = chain
                .command()
                .args(["audit", "checkpoint", "--database-url", &chain.url, "--signing-key"])
                .arg(chain.signing_key())
                .output()
                .unwrap();
            report(&out)
        };
        let signed = checkpoint(&chain);
        assert_eq!((signed["status"].as_str(), signed["checkpoint"]["seq"].as_u64()), (Some("signed"), Some(38)));
        let again = checkpoint(&chain);
        assert_eq!(again["status"], "already_sealed", "{again}");
        assert_eq!(again["checkpoint"], signed["checkpoint"]);

        let verify = report(&chain.verify());
        assert_eq!((verify["unsealed"].as_u64(), verify["newest_checkpoint"]["seq"].as_u64()), (Some(0), Some(38)));
        let file = export(&chain, "2025-01-01", "2025-12-31");
        let exported = report(&verify_file(&file, &chain.public_key()));
        assert_eq!(exported["covering_checkpoint"]["seq"], 38, "{exported}");

        // The checkpoint reached the external anchor, which `verify` compares with.
        assert_eq!(verify["anchor"]["status"], "reached", "{verify}");
        assert_eq!(verify["anchor"]["seq"], 38, "{verify}");

        // A key that is not the chain's is refused before it signs anything.
        chain.append_unsealed(39..=39).await;
        let other = tempfile::tempdir().unwrap();
        keys::write_key_pair(other.path(), &keys::generate()).unwrap();
        let out = chain
            .command()
            .args(["audit", "checkpoint", "--database-url", &chain.url, "--signing-key"])
            .arg(other.path().join(keys::PRIVATE_KEY_FILE))
            .output()
            .unwrap();
        assert!(!out.status.success(), "a foreign key signed a checkpoint");
        assert!(String::from_utf8_lossy(&out.stderr).contains("not signed with this key"));
        assert_eq!(report(&chain.verify())["unsealed"], 1);
    }
}

#[tokio::test]
async fn prune_keeps_entries_within_retention() {
    // The writer signs checkpoints at the real time, so none is two years old yet:
    // nothing may go (the store's truncation itself is in the conformance suite).
    let chain = chain().await;
    let out = chain.command().args(["audit", "prune", "--database-url", &chain.url]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("deleted 0 audit entries"));
    assert!(chain.verify().status.success());
}
