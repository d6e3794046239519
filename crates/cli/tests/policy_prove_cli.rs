//! `cpniguard policy prove` through the binary: the default set proves, a wrong set is
//! refuted with counterexamples `policy explain` decides as allowed, a missing solver is
//! named, and `serve` proves a carrier directory at start-up — recording the run in the
//! audit log, and refusing to start on a refutation. Needs cvc5 (`$CVC5` or on `PATH`).

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn cpniguard() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cpniguard"));
    c.env_remove("CPNIGUARD_CONFIG");
    c
}

fn run(args: &[&str]) -> Output {
    cpniguard().args(args).output().expect("run cpniguard")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

const EVERYONE_READS_CALL_DETAIL: &str = r#"
@id("everyone-reads-call-detail")
@description("Wrong on purpose: anyone may read call detail, anywhere, with no evidence.")
permit (principal, action == CpniGuard::Action::"read_call_detail", resource);
"#;

fn wrong_set() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("wrong.cedar"), EVERYONE_READS_CALL_DETAIL).expect("write");
    dir
}

#[test]
fn the_default_set_is_proved() {
    let out = run(&["policy", "prove"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.starts_with("solver: cvc5"), "{stdout}");
    assert!(stdout.contains("proved   call-detail-by-phone-or-chat-needs-password-or-call-back"), "{stdout}");
    assert!(stdout.contains("8 properties: 8 proved, 0 refuted"), "{stdout}");
}

#[test]
fn a_wrong_set_is_refuted_and_explain_allows_each_counterexample() {
    let dir = wrong_set();
    let out = run(&["policy", "prove", "--replace", path(dir.path())]);
    let stdout = text(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(text(&out.stderr).contains("properties refuted"), "{}", text(&out.stderr));
    assert!(stdout.contains("REFUTED  call-detail-by-phone-or-chat-needs-password-or-call-back"), "{stdout}");
    let counterexamples: Vec<&str> = stdout.lines().filter_map(|l| l.strip_prefix("  counterexample: ")).collect();
    assert!(counterexamples.len() >= 5, "{stdout}");
    for (i, json) in counterexamples.iter().enumerate() {
        let request = dir.path().join(format!("cex-{i}.json"));
        std::fs::write(&request, json).expect("write");
        let out = run(&["policy", "explain", "--request", path(&request), "--policies", path(dir.path()), "--replace"]);
        assert!(out.status.success(), "{json}: {}", text(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(v["allowed"], true, "{json}: {v}");
        assert_eq!(v["deciding_policy_ids"][0], "everyone-reads-call-detail");
        // The default set refuses every one of them.
        let out = run(&["policy", "explain", "--request", path(&request)]);
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(v["allowed"], false, "{json}: {v}");
    }
}

#[test]
fn without_a_solver_prove_says_so() {
    let out = cpniguard().env("CVC5", "/nonexistent/cvc5").args(["policy", "prove"]).output().expect("run");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("no SMT solver") && err.contains("CVC5=/nonexistent/cvc5") && err.contains("apt-get install cvc5"),
        "{err}"
    );
    let out = run(&["policy", "prove", "--replace"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--replace needs a directory"), "{}", text(&out.stderr));
}

/// A data directory with an audit key, and the server's environment for it.
struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn new() -> Self {
        let site = Site { dir: tempfile::tempdir().expect("tempdir") };
        let out = site.command().args(["init", "--dir", path(site.dir.path())]).output().expect("init");
        assert!(out.status.success(), "{}", text(&out.stderr));
        site
    }

    fn command(&self) -> Command {
        let mut c = cpniguard();
        c.current_dir(self.dir.path())
            .env("CPNIGUARD_DATABASE__URL", format!("sqlite://{}", self.dir.path().join("db.sqlite").display()))
            .env("CPNIGUARD_SERVER__LISTEN", "127.0.0.1:0");
        c
    }

    fn serve(&self, policies: &Path, replace: bool) -> Command {
        let mut c = self.command();
        c.env("CPNIGUARD_POLICY__DIRECTORY", path(policies))
            .env("CPNIGUARD_POLICY__REPLACE_DEFAULTS", replace.to_string())
            .arg("serve");
        c
    }

    /// The audit entries recorded for proof runs.
    fn proof_entries(&self) -> Vec<Value> {
        let out = self.command().args(["audit", "export", "--from", "2000-01-01", "--to", "2999-12-31"]).output();
        let out = out.expect("audit export");
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["action"] == "prove_policy_set")
            .collect()
    }
}

#[test]
fn serve_refuses_a_carrier_set_that_breaks_a_hard_line_and_records_why() {
    let site = Site::new();
    let policies = wrong_set();
    let out = site.serve(policies.path(), true).output().expect("serve");
    assert!(!out.status.success(), "the server must not start");
    let err = text(&out.stderr);
    assert!(err.contains("refusing to start") && err.contains("REFUTED") && err.contains("counterexample: {"), "{err}");
    let entries = site.proof_entries();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["decision"], "deny");
    assert!(entries[0]["policy_set_hash"].as_str().expect("hash").starts_with("sha256:"));
    let refuted = entries[0]["policy_ids"].as_array().expect("ids");
    assert!(refuted.contains(&"call-detail-in-store-needs-photo-id".into()), "{refuted:?}");
}

#[test]
fn serve_proves_a_carrier_extension_records_it_and_serves() {
    let site = Site::new();
    let policies = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        policies.path().join("auditor.cedar"),
        r#"@id("auditor-reads-services")
@description("Auditors may read services for a review.")
permit (principal is CpniGuard::Staff, action == CpniGuard::Action::"read_services", resource)
when { principal.roles.contains(CpniGuard::Role::"auditor") && context.purpose == CpniGuard::Purpose::"service_and_support" };
"#,
    )
    .expect("write");
    let check = run(&["policy", "check", path(policies.path())]);
    let hash = text(&check.stdout).split("policy set ").nth(1).expect("hash").lines().next().expect("line").to_owned();
    let mut child =
        site.serve(policies.path(), false).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("serve");
    // The server logs to standard error; the audit log is read once it says the set is
    // proved (reading it earlier would race the server's migrations).
    let mut logs = BufReader::new(child.stderr.take().expect("stderr"));
    let mut printed = String::new();
    while !printed.contains("policy set is proved") {
        let mut line = String::new();
        if logs.read_line(&mut line).expect("read") == 0 {
            panic!("the server stopped: {printed}");
        }
        printed.push_str(&line);
    }
    let entries = site.proof_entries();
    assert!(child.try_wait().expect("wait").is_none(), "the server serves after the proof");
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    child.wait().expect("wait");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["decision"], "allow");
    assert_eq!(entries[0]["policy_set_hash"], hash.as_str());
    assert_eq!(entries[0]["policy_ids"], serde_json::json!([]));
    let refs = entries[0]["record_refs"].as_array().expect("refs");
    assert_eq!(refs.len(), 8);
    assert!(refs.contains(&"property:never-errors=proved".into()), "{refs:?}");
}
