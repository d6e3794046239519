#![allow(dead_code)] // Each test binary uses a different part of this harness.
//! The real `cpniguard` binary on a fresh SQLite database, fed mail as an MTA would:
//! shared by the opt-out and the privacy mailbox tests.

use chrono::{NaiveDate, Utc};
use cpniguard_core::account::{
    AccountKind, AccountNumber, AccountProfile, AccountStatus, DirectoryListing, Language, NewAccount, PicFreeze,
    PostalAddress, TimeZoneName,
};
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::AccountId;
use cpniguard_core::phone::PhoneNumber;
use cpniguard_store::{Store, StoreOptions};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

pub const TRUSTED: &str = "mx.carrier.example";

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mail").join(name)).unwrap()
}

pub fn new_account(number: &str, phone: &str, email: Option<&str>, language: Language) -> NewAccount {
    NewAccount {
        profile: AccountProfile {
            account_number: AccountNumber::parse(number).unwrap(),
            kind: AccountKind::Residential,
            name: "Rosa Díaz".to_owned(),
            language,
            time_zone: TimeZoneName::parse("America/Denver").unwrap(),
            status: AccountStatus::Active,
            pic_freeze: PicFreeze::default(),
            directory_listing: DirectoryListing::Listed,
            business_exemption: None,
        },
        postal_address: PostalAddress {
            line1: "100 Main St".to_owned(),
            line2: None,
            city: "Salt Lake City".to_owned(),
            state: "UT".to_owned(),
            zip: "84101".to_owned(),
            country: "US".to_owned(),
        },
        email: email.map(|e| EmailAddress::parse(e).unwrap()),
        telephone_numbers: vec![PhoneNumber::parse(phone).unwrap()],
    }
}

pub struct Env {
    _dir: tempfile::TempDir,
    pub url: String,
    pub root: PathBuf,
    pub store: Arc<dyn Store>,
}

/// A voice line on `number` for `account` since `since`, as the CDR import matches
/// calls to (the import tests' customers).
pub fn voip_line(account: AccountId, number: &str, since: NaiveDate) -> cpniguard_core::cpni::Service {
    cpniguard_core::cpni::Service {
        id: cpniguard_core::ids::ServiceId::new(),
        account_id: account,
        service_type: "voip_line".to_owned(),
        service_number: Some(PhoneNumber::parse(number).unwrap()),
        quantity: 1,
        configuration: serde_json::json!({}),
        rate_plan: "Basic".to_owned(),
        monthly_rate: cpniguard_core::money::Cents(2500),
        since,
        until: None,
    }
}

pub async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
    let store = cpniguard_store::open(&url, &StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    Env { root: dir.path().to_owned(), _dir: dir, url, store }
}

pub fn cpniguard(url: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cpniguard"));
    c.args(args).arg("--database-url").arg(url);
    if args.last() == Some(&"--maildir") {
        // The caller appends the directory: keep `--maildir` last.
        c = Command::new(env!("CARGO_BIN_EXE_cpniguard"));
        c.args(&args[..args.len() - 1]).arg("--database-url").arg(url).arg("--maildir");
    }
    c.env("CPNIGUARD_CONSENT__TRUSTED_AUTHSERV_ID", TRUSTED).env_remove("CPNIGUARD_CONFIG");
    c
}

/// Runs `mail ingest` with `raw` on stdin: (exit code, the JSON line).
pub fn ingest(url: &str, raw: &[u8]) -> (i32, Value) {
    ingest_with(url, &["mail", "ingest"], raw)
}

/// Runs the command `args` (a `mail ingest` variant) with `raw` on stdin.
pub fn ingest_with(url: &str, args: &[&str], raw: &[u8]) -> (i32, Value) {
    let mut child =
        cpniguard(url, args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(raw).unwrap();
    let out = child.wait_with_output().unwrap();
    let line = String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or("null").to_owned();
    (out.status.code().unwrap(), serde_json::from_str(&line).unwrap_or(Value::Null))
}

/// Creates an account with this email (or none) and language.
pub async fn account(e: &Env, number: &str, phone: &str, email: Option<&str>, language: Language) -> AccountId {
    let id = AccountId::new();
    e.store.create_account(id, &new_account(number, phone, email, language), Utc::now()).await.unwrap();
    id
}
