//! Opt-out by email (requirement S2: "by sending an email to the marketing address").
//!
//! `mail ingest` reads one RFC 5322 message on standard input, so an MTA can pipe the
//! marketing address to it; `mail watch` processes a Maildir. A message from the
//! email address of an account opts that account out of every marketing scope,
//! effective on receipt, recorded with its Message-ID and SHA-256; anything else
//! (unknown or several accounts, failed DMARC/DKIM/SPF at the trusted server, an
//! auto-reply or bounce, unparseable) is quarantined with the raw message for the
//! privacy office. Exit codes follow sysexits: 0 applied or quarantined, 65 data
//! error (quarantined when the store is up), 75 temporary failure (database down).
//! Logs and output carry outcomes and ids only — never addresses or bodies.

use crate::context::{DbArgs, open_store};
use chrono::{DateTime, Utc};
use clap::Subcommand;
use cpniguard_core::consent::{ConsentChannel, ConsentEventKind, Evidence};
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::AccountId;
use cpniguard_server::Config;
use cpniguard_server::api::consent::change::{self, Request};
use cpniguard_store::consent::{ConsentChange, QuarantinedMail};
use cpniguard_store::{Store, StoreError};
use mail_parser::{MessageParser, MimeHeaders};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use uuid::Uuid;

pub const EX_DATAERR: i32 = 65;
pub const EX_TEMPFAIL: i32 = 75;

#[derive(Subcommand)]
pub enum MailCommand {
    /// Apply (or quarantine) one opt-out message read on standard input.
    Ingest {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Process a Maildir: each message in `new` is moved to `cur` once its outcome is
    /// committed.
    Watch {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        maildir: PathBuf,
        /// Process what is there and exit (75 if the database was unavailable).
        #[arg(long)]
        once: bool,
        /// How often to look for new messages, in milliseconds.
        #[arg(long, default_value_t = 1000)]
        poll_ms: u64,
    },
}

#[derive(Debug, Serialize)]
pub struct Outcome {
    /// `applied` or `quarantined`.
    pub outcome: &'static str,
    pub account_ids: Vec<AccountId>,
    pub reason: Option<String>,
    pub quarantine_id: Option<Uuid>,
    /// Events newly recorded (0 for a repeat of a message already applied).
    pub recorded: usize,
    #[serde(skip)]
    pub unparseable: bool,
}

pub async fn run(cmd: MailCommand) -> anyhow::Result<()> {
    let code = match cmd {
        MailCommand::Ingest { db } => ingest_stdin(&db).await,
        MailCommand::Watch { db, maildir, once, poll_ms } => watch(&db, &maildir, once, poll_ms).await,
    };
    std::process::exit(code)
}

async fn ingest_stdin(db: &DbArgs) -> i32 {
    let mut raw = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut raw) {
        eprintln!("error: reading the message: {e}");
        return EX_TEMPFAIL;
    }
    let Ok(config) = db.load_config() else {
        eprintln!("error: configuration");
        return EX_TEMPFAIL;
    };
    let store = match open_store(&config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: database unavailable: {e:#}");
            return EX_TEMPFAIL;
        }
    };
    match process(&*store, &config, &raw, Utc::now()).await {
        Ok(out) => {
            println!("{}", serde_json::to_string(&out).unwrap_or_default());
            if out.unparseable { EX_DATAERR } else { 0 }
        }
        Err(e) => {
            eprintln!("error: database unavailable: {e}");
            EX_TEMPFAIL
        }
    }
}

fn sha256_hex(raw: &[u8]) -> String {
    Sha256::digest(raw).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether the trusted server's `Authentication-Results` say DMARC, DKIM or SPF failed.
fn auth_failed(results: &[String], trusted: &str) -> Option<String> {
    if trusted.is_empty() {
        return None;
    }
    for r in results {
        let text: String = r.split_whitespace().collect::<Vec<_>>().join(" ");
        let Some((id, rest)) = text.split_once(';') else { continue };
        if !id.trim().eq_ignore_ascii_case(trusted) {
            continue;
        }
        for method in ["dmarc", "dkim", "spf"] {
            let needle = format!("{method}=fail");
            if rest.to_ascii_lowercase().split([';', ' ']).any(|t| t == needle) {
                return Some(format!("{method}=fail at {trusted}"));
            }
        }
    }
    None
}

/// Apply or quarantine one message. `Err` only when the store fails (retry later).
/// Each outcome is an observation of the mail opt-out mechanism's health.
pub async fn process(
    store: &dyn Store,
    config: &Config,
    raw: &[u8],
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    let result = apply_or_quarantine(store, config, raw, now).await;
    cpniguard_server::consent_jobs::observe_mail_ingest(store, &result, now).await;
    result
}

async fn apply_or_quarantine(
    store: &dyn Store,
    config: &Config,
    raw: &[u8],
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    let sha = sha256_hex(raw);
    let message = MessageParser::default().parse(raw);
    let sender = message
        .as_ref()
        .and_then(|m| m.from())
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .and_then(|a| EmailAddress::parse(a).ok());
    let message_id = message.as_ref().and_then(|m| m.message_id()).map(|m| format!("<{m}>"));
    let quarantine = |reason: &str, detail: &str, accounts: Vec<AccountId>| QuarantinedMail {
        id: Uuid::now_v7(),
        received_at: now,
        reason: reason.to_owned(),
        detail: detail.to_owned(),
        message_id: message_id.clone(),
        sha256: sha.clone(),
        sender: sender.as_ref().map(|s| s.as_str().to_owned()),
        account_ids: accounts,
        status: "open".to_owned(),
        resolved_at: None,
        resolved_by: None,
        resolution_note: None,
        raw: raw.to_vec(),
    };
    let quarantined = |q: QuarantinedMail, unparseable: bool| async move {
        let reason = Some(q.reason.clone());
        let out = store.record_consent(&ConsentChange { quarantine: Some(q), ..Default::default() }, now).await?;
        Ok::<_, StoreError>(Outcome {
            outcome: "quarantined",
            account_ids: vec![],
            reason,
            quarantine_id: out.quarantine,
            recorded: 0,
            unparseable,
        })
    };
    let Some(message) = message.filter(|m| !m.headers().is_empty()) else {
        return quarantined(quarantine("unparseable", "the message could not be parsed", vec![]), true).await;
    };
    let Some(sender) = sender.clone() else {
        return quarantined(quarantine("unparseable", "no sender address in From", vec![]), true).await;
    };
    let header = |name: &str| message.header_raw(name).map(|v| v.trim().to_ascii_lowercase());
    if header("Auto-Submitted").is_some_and(|v| v != "no") {
        return quarantined(quarantine("automated", "an automatic reply (Auto-Submitted)", vec![]), false).await;
    }
    let ctype = message.content_type().map(|c| (c.ctype().to_owned(), c.subtype().unwrap_or("").to_owned()));
    let local = sender.as_str().split('@').next().unwrap_or("").to_ascii_lowercase();
    if ctype.as_ref().is_some_and(|(t, s)| t.eq_ignore_ascii_case("multipart") && s.eq_ignore_ascii_case("report"))
        || local == "mailer-daemon"
        || local == "postmaster"
    {
        return quarantined(quarantine("bounce", "a delivery status notification", vec![]), false).await;
    }
    let results: Vec<String> = message
        .headers()
        .iter()
        .filter(|h| h.name.as_str().eq_ignore_ascii_case("Authentication-Results"))
        .filter_map(|h| std::str::from_utf8(&raw[h.offset_start as usize..h.offset_end as usize]).ok())
        .map(str::to_owned)
        .collect();
    if let Some(why) = auth_failed(&results, &config.consent.trusted_authserv_id) {
        return quarantined(quarantine("auth_failed", &why, vec![]), false).await;
    }
    let accounts = store.accounts_with_email(&sender).await?;
    if accounts.is_empty() {
        return quarantined(quarantine("unmatched", "no account has this email address", vec![]), false).await;
    }
    let mut change = ConsentChange::default();
    for id in &accounts {
        let Some(account) = store.get_account(*id).await? else { continue };
        let request = Request {
            account: &account,
            scopes: change::marketing_scopes(config),
            kind: ConsentEventKind::OptOut,
            channel: ConsentChannel::Email,
            at: now,
            recorded_by: "mail-ingest".to_owned(),
            evidence: Evidence {
                message_id: message_id.clone(),
                message_sha256: Some(sha.clone()),
                ..Evidence::default()
            },
            idempotency_base: Some(format!("mail:{}", message_id.clone().unwrap_or_else(|| sha.clone()))),
        };
        let c = change::build(config, &request, now);
        change.events.extend(c.events);
        change.notices.extend(c.notices);
    }
    let ambiguous = accounts.len() > 1;
    if ambiguous {
        let detail = format!("{} accounts share this address; the opt-out was applied to all of them", accounts.len());
        change.quarantine = Some(quarantine("ambiguous", &detail, accounts.clone()));
    }
    let out = store.record_consent(&change, now).await?;
    Ok(Outcome {
        outcome: "applied",
        account_ids: accounts,
        reason: ambiguous.then(|| "ambiguous: applied to every account with this address".to_owned()),
        quarantine_id: out.quarantine,
        recorded: out.recorded.len(),
        unparseable: false,
    })
}

/// Messages waiting in `new`, oldest name first.
fn waiting(maildir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(maildir.join("new"))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

async fn watch(db: &DbArgs, maildir: &Path, once: bool, poll_ms: u64) -> i32 {
    for sub in ["new", "cur", "tmp"] {
        if let Err(e) = std::fs::create_dir_all(maildir.join(sub)) {
            eprintln!("error: the maildir: {e}");
            return EX_TEMPFAIL;
        }
    }
    let Ok(config) = db.load_config() else {
        eprintln!("error: configuration");
        return EX_TEMPFAIL;
    };
    let mut store: Option<std::sync::Arc<dyn Store>> = None;
    let (mut done, started) = (0u64, Instant::now());
    loop {
        let mut temp_failure = false;
        if store.is_none() {
            match open_store(&config).await {
                Ok(s) => store = Some(s),
                Err(e) => {
                    eprintln!("error: database unavailable: {e:#}");
                    temp_failure = true;
                }
            }
        }
        if let Some(s) = &store {
            let files = match waiting(maildir) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("error: reading the maildir: {e}");
                    return EX_TEMPFAIL;
                }
            };
            for path in files {
                let Ok(raw) = std::fs::read(&path) else { continue };
                match process(&**s, &config, &raw, Utc::now()).await {
                    Ok(out) => {
                        println!("{}", serde_json::to_string(&out).unwrap_or_default());
                        // Only now that the outcome is committed does the message leave `new`.
                        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                        let base = name.split(":2,").next().unwrap_or(&name).to_owned();
                        if let Err(e) = std::fs::rename(&path, maildir.join("cur").join(format!("{base}:2,S"))) {
                            eprintln!("error: moving a processed message to cur: {e}");
                        }
                        done += 1;
                    }
                    Err(e) => {
                        eprintln!("error: database unavailable: {e}");
                        temp_failure = true;
                        break;
                    }
                }
            }
        }
        if once {
            let secs = started.elapsed().as_secs_f64();
            eprintln!("processed {done} messages in {secs:.3} s ({:.1}/s)", done as f64 / secs.max(1e-9));
            return if temp_failure { EX_TEMPFAIL } else { 0 };
        }
        tokio::time::sleep(Duration::from_millis(poll_ms)).await;
    }
}
