//! The binary as a user runs it: configuration commands, staff tokens, and a full demo
//! run that serves, answers over HTTP, shuts down gracefully on SIGTERM and logs no
//! secrets or customer data.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn cpniguard() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cpniguard"));
    // The suite's own variables must not leak into the product's configuration.
    c.env_remove("CPNIGUARD_TEST_POSTGRES_URL").env_remove("CPNIGUARD_CONFIG");
    c
}

#[test]
fn the_default_config_checks_and_a_wrong_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = cpniguard().args(["config", "default"]).output().unwrap();
    assert!(out.status.success());
    let good = dir.path().join("good.toml");
    std::fs::write(&good, &out.stdout).unwrap();
    let out = cpniguard().args(["config", "check"]).arg(&good).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[server]\nlisten = \"127.0.0.1:8080\"\nlisten_port = 9\n").unwrap();
    let out = cpniguard().args(["config", "check"]).arg(&bad).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("listen_port"), "the error names the unknown key: {err}");
}

#[test]
fn staff_add_prints_a_token_once_and_rejects_unknown_roles() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let out = cpniguard()
        .args(["staff", "add", "--database-url", &url, "--username", "ana.csr", "--name", "Ana", "--role", "csr"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("cpg_"));
    let out = cpniguard().args(["staff", "list", "--database-url", &url]).output().unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.contains("ana.csr") && !listing.contains("cpg_"), "{listing}");
    let out = cpniguard()
        .args(["staff", "add", "--database-url", &url, "--username", "x.y", "--name", "X", "--role", "root"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown role"));
}

#[tokio::test]
async fn demo_serves_answers_and_stops_cleanly_without_leaking_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let demo_dir = dir.path().join("demo");
    let mut child = cpniguard()
        .args(["demo", "--accounts", "25", "--seed", "3", "--listen", "127.0.0.1:0", "--dir"])
        .arg(&demo_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !printed.contains("Try:") {
        assert!(Instant::now() < deadline, "demo did not start: {printed}");
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            panic!("demo exited early: {printed}");
        }
        printed.push_str(&line);
    }
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    printed.push_str(&line);

    let api = printed.lines().find_map(|l| l.trim().strip_prefix("API:")).unwrap().trim().to_owned();
    let tokens: Vec<String> = printed.match_indices("cpg_").map(|(i, _)| printed[i..i + 47].to_owned()).collect();
    let admin =
        printed.lines().find(|l| l.contains("sam.admin")).and_then(|l| l.split_whitespace().last()).unwrap().to_owned();
    assert_eq!(
        tokens.iter().filter(|t| **t == admin).count(),
        2,
        "the admin token is printed in the table and the example"
    );

    let http = reqwest::Client::new();
    // The demo carrier's CPNI policy is published on the public page, in both languages.
    let site = api.trim_end_matches("/api/v1");
    // Every page, in both languages, shows where to opt out and how to reach the
    // privacy office, as the demo configures them.
    for (lang, revised) in [("en", "Last revised"), ("es", "Última revisión")] {
        let page = http.get(format!("{site}/privacy?lang={lang}")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(revised), "{lang}: {page}");
        let home = http.get(format!("{site}/?lang={lang}")).send().await.unwrap().text().await.unwrap();
        for page in [&page, &home] {
            for contact in
                ["mailto:optout@wasatch-demo.example", "mailto:privacy@wasatch-demo.example", "200 S State St"]
            {
                assert!(page.contains(contact), "{lang}: {contact} missing: {page}");
            }
        }
    }
    let accounts: serde_json::Value =
        http.get(format!("{api}/accounts?limit=5")).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
    let list = accounts["accounts"].as_array().unwrap();
    assert_eq!(list.len(), 5);
    let first = &list[0];
    let id = first["id"].as_str().unwrap();
    // Call detail passes the disclosure gate: the demo CSR serves the customer in store
    // after checking a photo ID; the administrator is refused, with the reason.
    let csr =
        printed.lines().find(|l| l.contains("ana.csr")).and_then(|l| l.split_whitespace().last()).unwrap().to_owned();
    let range = "from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&limit=1000";
    let refused = http
        .get(format!("{api}/accounts/{id}/calls?{range}&purpose=service_and_support"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), reqwest::StatusCode::FORBIDDEN);
    let visit: serde_json::Value = http
        .post(format!("{api}/accounts/{id}/interactions"))
        .bearer_auth(&csr)
        .json(&serde_json::json!({"channel": "in_store"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let visit = visit["id"].as_str().unwrap().to_owned();
    let expires = (chrono::Utc::now() + chrono::Days::new(300)).date_naive();
    let checked = http
        .post(format!("{api}/interactions/{visit}/photo-id"))
        .bearer_auth(&csr)
        .json(&serde_json::json!({"id_type": "passport", "last4": "9876", "expires_on": expires, "name_matched": true}))
        .send()
        .await
        .unwrap();
    assert!(checked.status().is_success());
    let calls: serde_json::Value = http
        .get(format!("{api}/accounts/{id}/calls?{range}&purpose=service_and_support&interaction={visit}"))
        .bearer_auth(&csr)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!calls["calls"].as_array().unwrap().is_empty(), "the demo customer has calls");
    let a_called_number = calls["calls"][0]["other_party"].as_str().unwrap().to_owned();

    // A contact change queues an account-change notice; the demo routes it to the postal
    // spool, where the worker running inside `demo` writes a letter.
    let changed = http
        .post(format!("{api}/accounts/{id}/contact-points"))
        .bearer_auth(&csr)
        .json(&serde_json::json!({"email": "moved@example.net"}))
        .send()
        .await
        .unwrap();
    assert!(changed.status().is_success(), "{}", changed.text().await.unwrap());
    let spool = demo_dir.join("postal-spool");
    let deadline = Instant::now() + Duration::from_secs(30);
    let letter = loop {
        let found = std::fs::read_dir(&spool).ok().and_then(|days| {
            days.flatten()
                .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
                .find(|f| f.path().extension().is_some_and(|e| e == "pdf"))
        });
        if let Some(f) = found {
            break f.path();
        }
        assert!(Instant::now() < deadline, "no letter was spooled");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(std::fs::read(&letter).unwrap().starts_with(b"%PDF-"));

    // Graceful shutdown on SIGTERM.
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no shutdown after SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(exit.success(), "exit status {exit:?}");

    let mut logs = String::new();
    child.stderr.take().unwrap().read_to_string(&mut logs).unwrap();
    for token in &tokens {
        assert!(!logs.contains(token.as_str()), "a token reached the logs");
    }
    for secret_or_cpni in
        [first["email"].as_str().unwrap_or("@"), first["telephone_numbers"][0].as_str().unwrap(), &a_called_number]
    {
        assert!(!logs.contains(secret_or_cpni), "customer data reached the logs: {secret_or_cpni}");
    }

    // A second run reuses the directory and its data.
    let out = cpniguard()
        .args(["demo", "--no-serve", "--accounts", "25", "--seed", "3", "--dir"])
        .arg(&demo_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("25 accounts") && text.contains("(reused)"), "{text}");
    assert!(demo_dir.join("cpniguard.toml").exists());

    // The certification of a fresh demo needs no flags: the demo names its officer.
    let out = cpniguard()
        .args(["report", "certification", "--format", "json", "--config"])
        .arg(demo_dir.join("cpniguard.toml"))
        .arg("--year")
        .arg(chrono::Utc::now().format("%Y").to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let figures: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(figures.to_string().contains("Jordan Reyes"), "{figures}");
}
