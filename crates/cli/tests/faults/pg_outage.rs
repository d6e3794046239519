//! PostgreSQL stopped under load and started again, on a private cluster this test
//! creates (initdb into a temporary directory, its own port) so the shared server other
//! tests use is never touched: while the database is away `serve` answers 503
//! problem+json, never 500; once it is back the same process answers 200 again with no
//! restart of its own; every 200 has its audit entry and the chain verifies.
//! Skipped, saying so, only when no `initdb` is installed.

use crate::crash_reads::entries_by_request;
use crate::env::{Backend, call_detail_reader, free_port, log_of, serve, stop, wait_for, wait_ready};
use chrono::Utc;
use cpniguard_store::StoreOptions;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CLIENTS: usize = 16;

/// `bin/` of the newest PostgreSQL under /usr/lib/postgresql.
fn postgres_bin() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin"))
        .filter(|bin| bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
        .collect();
    found.sort_by_key(|p| p.parent().and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok()).unwrap_or(0));
    found.pop()
}

/// A PostgreSQL cluster of its own in a temporary directory. PostgreSQL refuses to run
/// as root: then its commands run as the `postgres` user, which owns the directory.
struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    fn create(bin: PathBuf) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let as_postgres = rustix::process::geteuid().is_root();
        if as_postgres {
            let owner = Command::new("chown").arg("postgres:postgres").arg(dir.path()).status().unwrap();
            assert!(owner.success(), "chown the cluster's directory to postgres");
        }
        let cluster = Cluster { bin, dir, port: free_port(), as_postgres };
        let data = cluster.data();
        cluster.run("initdb", &["-D", &data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
        cluster.start();
        cluster
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let out = command.args(args).current_dir(self.dir.path()).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{tool} {args:?}: {text}");
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("postgres.log").display().to_string();
        self.run("pg_ctl", &["-D", &self.data(), "-o", &options, "-l", &log, "-w", "start"]);
    }

    /// A fast shutdown: sessions are ended, as when the database is restarted.
    fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let program = self.bin.join("pg_ctl");
        let _ = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(program)
                .args(["-D", &data, "-m", "immediate", "stop"])
                .output()
        } else {
            Command::new(program).args(["-D", &data, "-m", "immediate", "stop"]).output()
        };
    }
}

/// What the clients saw: statuses with their count, and the request ids answered 200.
#[derive(Default)]
struct Seen {
    statuses: std::collections::BTreeMap<u16, usize>,
    not_problem_json: Vec<String>,
    acknowledged: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_503_while_postgres_is_away_and_recovers_without_a_restart() {
    let Some(bin) = postgres_bin() else {
        eprintln!("SKIPPED: no initdb under /usr/lib/postgresql/*/bin; install PostgreSQL to run this test");
        return;
    };
    let cluster = Cluster::create(bin);
    let store = cpniguard_store::open(&cluster.url(), &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let b = Backend::from_parts("private postgres", cluster.url(), store, dir);
    b.init();
    let reader = Arc::new(call_detail_reader(&*b.store, Utc::now()).await);
    let port = free_port();
    let log = b.dir.path().join("serve.log");
    let mut server = serve(b.dir.path(), &b.url, port, &log);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    wait_ready(&http, port).await;

    let seen = Arc::new(Mutex::new(Seen::default()));
    let running = Arc::new(AtomicBool::new(true));
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let (http, reader, seen, running) = (http.clone(), reader.clone(), seen.clone(), running.clone());
        let url = format!("http://127.0.0.1:{port}{}", reader.path);
        clients.push(tokio::spawn(async move {
            let mut n = 0;
            while running.load(Ordering::SeqCst) {
                n += 1;
                let id = format!("outage-{client}-{n}");
                let response = http.get(&url).bearer_auth(&reader.token).header("x-request-id", &id).send().await;
                let response = response.expect("the server itself stays up");
                let status = response.status().as_u16();
                let problem = response
                    .headers()
                    .get("content-type")
                    .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
                let body = response.text().await.unwrap_or_default();
                {
                    let mut seen = seen.lock().unwrap();
                    *seen.statuses.entry(status).or_default() += 1;
                    if status == 200 {
                        seen.acknowledged.push(id);
                    } else if !problem {
                        seen.not_problem_json.push(format!("{status}: {body}"));
                    } else if status != 503 {
                        seen.not_problem_json.push(format!("unexpected {status}: {body}"));
                    }
                }
                if status != 200 {
                    // A client backs off a little rather than spin on an outage.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }));
    }
    let count = |status: u16| seen.lock().unwrap().statuses.get(&status).copied().unwrap_or(0);
    wait_for("reads under load", Duration::from_secs(60), || count(200) >= 200).await;

    cluster.stop();
    let before = count(200);
    wait_for("503 while the database is away", Duration::from_secs(60), || count(503) >= CLIENTS).await;
    // Still away: nothing succeeded since (a read that was past its commit may finish).
    assert!(count(200) <= before + CLIENTS, "reads answered 200 with the database stopped");
    cluster.start();
    let back = count(200);
    wait_for("reads answered again", Duration::from_secs(60), || count(200) >= back + 200).await;
    running.store(false, Ordering::SeqCst);
    for client in clients {
        client.await.unwrap();
    }
    assert!(server.try_wait().unwrap().is_none(), "the server never restarted: {}", log_of(&log));
    stop(server);

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(
        seen.not_problem_json.is_empty(),
        "answers other than 200 or 503 problem+json: {:?}",
        seen.not_problem_json
    );
    let entries = entries_by_request(&b).await;
    let missing: Vec<&String> = seen.acknowledged.iter().filter(|id| !entries.contains_key(*id)).collect();
    assert!(missing.is_empty(), "answered 200 without an entry: {missing:?}");
    b.assert_chain_verifies();
    println!("private postgres: {:?} (status: answers) across the outage", seen.statuses);
}
