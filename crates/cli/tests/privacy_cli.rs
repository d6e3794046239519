//! `cpniguard training import` and `cpniguard report certification` as an operator runs
//! them against a database: imported training moves the staff member's training date
//! (what the disclosure gate reads) and shows in the certification's figures, in JSON
//! and in a PDF that parses.

use chrono::{Datelike, Utc};
use serde_json::Value;
use std::process::{Command, Output};

fn cpniguard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cpniguard"))
        .env_remove("CPNIGUARD_CONFIG")
        .args(args)
        .output()
        .expect("run cpniguard")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn imported_training_is_in_the_certification() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("privacy.db").display());
    let year = Utc::now().year() - 1;
    let out =
        cpniguard(&["staff", "add", "--database-url", &url, "--username", "ana.csr", "--name", "Ana", "--role", "csr"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let csv = dir.path().join("training.csv");
    std::fs::write(
        &csv,
        format!("username,course,completed_on\nana.csr,CPNI basics,{year}-04-01\nnobody,CPNI basics,{year}-04-01\n"),
    )
    .unwrap();
    let out = cpniguard(&["training", "import", "--database-url", &url, "--by", "po.cli", csv.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).expect("a JSON summary");
    assert_eq!(summary["imported"], 1);
    assert_eq!(summary["rejected"][0]["line"], 3);
    assert!(summary["rejected"][0]["reason"].as_str().unwrap().contains("nobody"));

    let out = cpniguard(&["staff", "list", "--database-url", &url]);
    assert!(
        text(&out.stdout).contains(&format!("{year}-04-01")),
        "the gate's training date moved: {}",
        text(&out.stdout)
    );

    let officer = ["--officer-name", "Rosa Díaz", "--officer-title", "Chief Privacy Officer"];
    let year_arg = year.to_string();
    let base = ["report", "certification", "--database-url", &url, "--year", &year_arg];
    let out = cpniguard(&[&base[..], &officer[..], &["--format", "json"]].concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let figures: Value = serde_json::from_slice(&out.stdout).expect("the figures as JSON");
    assert_eq!(figures["period"]["year"], year);
    assert_eq!(figures["training"]["completions"], 1);
    assert_eq!(figures["officer"]["name"], "Rosa Díaz");

    let pdf_path = dir.path().join("cert.pdf");
    let out = cpniguard(&[&base[..], &officer[..], &["--format", "pdf", "--out", pdf_path.to_str().unwrap()]].concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc = lopdf::Document::load(&pdf_path).expect("the certification is a valid PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let body = doc.extract_text(&pages).unwrap();
    assert!(body.contains(&format!("CPNI Certification for {year}")) && body.contains("Example Carrier"), "{body}");

    // No officer configured or named: refused, saying which setting is missing.
    let out = cpniguard(&base);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("officer_name"), "{}", text(&out.stderr));
}
