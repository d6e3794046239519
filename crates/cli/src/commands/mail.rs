//! The carrier's two mailboxes: opt-out by email (requirement S2: "by sending an email
//! to the marketing address") and complaints to the privacy address (issue 9).
//!
//! `mail ingest` reads one RFC 5322 message on standard input, so an MTA can pipe an
//! address to it; `mail watch` processes a Maildir; `--mailbox` says which address it
//! is. Every message is first screened the same way: an auto-reply or bounce, failed
//! DMARC/DKIM/SPF at the trusted server, or an unparseable message is quarantined with
//! the raw bytes for the privacy office, each mailbox in its own review queue.
//!
//! On the opt-out mailbox, a message from the email address of an account opts that
//! account out of every marketing scope, effective on receipt, recorded with its
//! Message-ID and SHA-256; unknown or several accounts are quarantined too. On the
//! privacy mailbox, a message becomes a complaint (category `other` until the privacy
//! office investigates it) with the same evidence, acknowledged to the account whose
//! email it came from; from an unknown address, or one several accounts share, it is
//! still a complaint, without an account — a complaint is never lost. Both are
//! idempotent on the Message-ID (the SHA-256 when there is none).
//!
//! Exit codes follow sysexits: 0 applied, filed or quarantined, 65 data error
//! (quarantined when the store is up), 75 temporary failure (database down). Logs and
//! output carry outcomes and ids only — never addresses or bodies.

use crate::context::{DbArgs, open_store};
use chrono::{DateTime, Utc};
use clap::{Subcommand, ValueEnum};
use cpniguard_core::consent::{ConsentChannel, ConsentEventKind, Evidence};
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::AccountId;
use cpniguard_server::Config;
use cpniguard_server::application::complaint_intake::{self as intake, Intake, MAX_DESCRIPTION, MAX_SUBJECT};
use cpniguard_server::application::consent_change::{self as change, Request};
use cpniguard_store::complaints::{ComplaintCategory, ComplaintChannel};
use cpniguard_store::consent::{ConsentChange, QuarantinedMail};
use cpniguard_store::{Store, StoreError};
use mail_parser::{Message, MessageParser, MimeHeaders};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use uuid::Uuid;

pub const EX_DATAERR: i32 = 65;
pub const EX_TEMPFAIL: i32 = 75;

/// Which of the carrier's addresses the mail was sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Mailbox {
    /// The marketing address: opt-outs.
    #[default]
    Optout,
    /// The privacy address (`[complaints].mailbox_address`): complaints and questions.
    Privacy,
}

#[derive(Subcommand)]
pub enum MailCommand {
    /// Apply, file (or quarantine) one message read on standard input.
    Ingest {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, value_enum, default_value_t = Mailbox::Optout)]
        mailbox: Mailbox,
    },
    /// Process a Maildir: each message in `new` is moved to `cur` once its outcome is
    /// committed.
    Watch {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, value_enum, default_value_t = Mailbox::Optout)]
        mailbox: Mailbox,
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
    /// `applied` (opt-out), `filed` (complaint) or `quarantined`.
    pub outcome: &'static str,
    pub account_ids: Vec<AccountId>,
    pub reason: Option<String>,
    pub quarantine_id: Option<Uuid>,
    /// Events (opt-out) or complaints newly recorded (0 for a repeat of a message).
    pub recorded: usize,
    /// The complaint the message was filed as (privacy mailbox).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complaint_id: Option<Uuid>,
    #[serde(skip)]
    pub unparseable: bool,
}

pub async fn run(cmd: MailCommand) -> anyhow::Result<()> {
    let code = match cmd {
        MailCommand::Ingest { db, mailbox } => ingest_stdin(&db, mailbox).await,
        MailCommand::Watch { db, mailbox, maildir, once, poll_ms } => {
            watch(&db, mailbox, &maildir, once, poll_ms).await
        }
    };
    std::process::exit(code)
}

async fn ingest_stdin(db: &DbArgs, mailbox: Mailbox) -> i32 {
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
    match process(&*store, &config, mailbox, &raw, None, Utc::now()).await {
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

/// Why a message needs a person before anything is done with it.
struct Held {
    /// `unparseable`, `automated`, `bounce`, `own_address`, `auth_failed`.
    reason: &'static str,
    detail: String,
    /// Exit with a data error (65) once it is quarantined.
    unparseable: bool,
}

impl Held {
    fn new(reason: &'static str, detail: impl Into<String>) -> Self {
        Held { reason, detail: detail.into(), unparseable: reason == "unparseable" }
    }
}

/// A message as received: its evidence, and the parsed message with its sender unless
/// it was held.
struct Screened<'a> {
    sha: String,
    message_id: Option<String>,
    sender: Option<EmailAddress>,
    verdict: Result<(Message<'a>, EmailAddress), Held>,
}

impl Screened<'_> {
    fn quarantine(
        &self,
        raw: &[u8],
        reason: &str,
        detail: &str,
        accounts: Vec<AccountId>,
        now: DateTime<Utc>,
    ) -> QuarantinedMail {
        QuarantinedMail {
            id: Uuid::now_v7(),
            received_at: now,
            reason: reason.to_owned(),
            detail: detail.to_owned(),
            message_id: self.message_id.clone(),
            sha256: self.sha.clone(),
            sender: self.sender.as_ref().map(|s| s.as_str().to_owned()),
            account_ids: accounts,
            status: "open".to_owned(),
            resolved_at: None,
            resolved_by: None,
            resolution_note: None,
            raw: raw.to_vec(),
        }
    }

    /// What makes a repeat of this message record nothing new.
    fn dedup_base(&self) -> String {
        format!("mail:{}", self.message_id.clone().unwrap_or_else(|| self.sha.clone()))
    }
}

/// The checks every mailbox makes before acting on a message. `own_address`: mail
/// from the mailbox's own address is ours coming back, never a customer's.
fn screen<'a>(raw: &'a [u8], config: &Config, own_address: Option<&str>) -> Screened<'a> {
    let sha = sha256_hex(raw);
    let message = MessageParser::default().parse(raw);
    let sender = message
        .as_ref()
        .and_then(|m| m.from())
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .and_then(|a| EmailAddress::parse(a).ok());
    let message_id = message.as_ref().and_then(|m| m.message_id()).map(|m| format!("<{m}>"));
    let verdict = check(raw, message, sender.clone(), config, own_address);
    Screened { sha, message_id, sender, verdict }
}

fn check<'a>(
    raw: &'a [u8],
    message: Option<Message<'a>>,
    sender: Option<EmailAddress>,
    config: &Config,
    own_address: Option<&str>,
) -> Result<(Message<'a>, EmailAddress), Held> {
    let Some(message) = message.filter(|m| !m.headers().is_empty()) else {
        return Err(Held::new("unparseable", "the message could not be parsed"));
    };
    let Some(sender) = sender else {
        return Err(Held::new("unparseable", "no sender address in From"));
    };
    let header = |name: &str| message.header_raw(name).map(|v| v.trim().to_ascii_lowercase());
    if header("Auto-Submitted").is_some_and(|v| v != "no") {
        return Err(Held::new("automated", "an automatic reply (Auto-Submitted)"));
    }
    let ctype = message.content_type().map(|c| (c.ctype().to_owned(), c.subtype().unwrap_or("").to_owned()));
    let local = sender.as_str().split('@').next().unwrap_or("").to_ascii_lowercase();
    if ctype.as_ref().is_some_and(|(t, s)| t.eq_ignore_ascii_case("multipart") && s.eq_ignore_ascii_case("report"))
        || local == "mailer-daemon"
        || local == "postmaster"
    {
        return Err(Held::new("bounce", "a delivery status notification"));
    }
    if own_address.is_some_and(|own| own.eq_ignore_ascii_case(sender.as_str())) {
        return Err(Held::new("own_address", "sent from the mailbox's own address"));
    }
    let results: Vec<String> = message
        .headers()
        .iter()
        .filter(|h| h.name.as_str().eq_ignore_ascii_case("Authentication-Results"))
        .filter_map(|h| std::str::from_utf8(&raw[h.offset_start as usize..h.offset_end as usize]).ok())
        .map(str::to_owned)
        .collect();
    if let Some(why) = auth_failed(&results, &config.consent.trusted_authserv_id) {
        return Err(Held::new("auth_failed", why));
    }
    Ok((message, sender))
}

/// When the message reached the carrier by its headers: the newest `Received`, the top
/// one, which the carrier's own server added on receipt. Never `Date`: that is when the
/// sender wrote it (hours earlier for mail composed offline), by the sender's clock.
fn arrival_in_headers(raw: &[u8]) -> Option<DateTime<Utc>> {
    let message = MessageParser::default().parse_headers(raw)?;
    let stamp = message.received().and_then(|r| r.date())?;
    DateTime::from_timestamp(stamp.to_timestamp(), 0)
}

/// When the MTA delivered a Maildir message: the file's modification time.
fn delivered_at(path: &Path) -> Option<DateTime<Utc>> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok().map(DateTime::<Utc>::from)
}

fn quarantined(reason: &str, quarantine_id: Option<Uuid>, unparseable: bool) -> Outcome {
    Outcome {
        outcome: "quarantined",
        account_ids: vec![],
        reason: Some(reason.to_owned()),
        quarantine_id,
        recorded: 0,
        complaint_id: None,
        unparseable,
    }
}

/// Apply, file or quarantine one message. `Err` only when the store fails (retry later).
/// Each opt-out outcome is an observation of the mail opt-out mechanism's health, with
/// the time the message arrived: `delivered_at` (the Maildir file's), or its headers'.
pub async fn process(
    store: &dyn Store,
    config: &Config,
    mailbox: Mailbox,
    raw: &[u8],
    delivered_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    match mailbox {
        Mailbox::Optout => {
            let result = opt_out(store, config, raw, now).await;
            let arrived_at = delivered_at.or_else(|| arrival_in_headers(raw));
            cpniguard_server::consent_jobs::observe_mail_ingest(store, &result, arrived_at, now).await;
            result
        }
        Mailbox::Privacy => complaint(store, config, raw, now).await,
    }
}

async fn opt_out(store: &dyn Store, config: &Config, raw: &[u8], now: DateTime<Utc>) -> Result<Outcome, StoreError> {
    let screened = screen(raw, config, None);
    let hold = |q: QuarantinedMail, unparseable: bool| async move {
        let reason = q.reason.clone();
        let out = store.record_consent(&ConsentChange { quarantine: Some(q), ..Default::default() }, now).await?;
        Ok::<_, StoreError>(quarantined(&reason, out.quarantine, unparseable))
    };
    let sender = match &screened.verdict {
        Ok((_, sender)) => sender.clone(),
        Err(held) => {
            return hold(screened.quarantine(raw, held.reason, &held.detail, vec![], now), held.unparseable).await;
        }
    };
    let accounts = store.accounts_with_email(&sender).await?;
    if accounts.is_empty() {
        let q = screened.quarantine(raw, "unmatched", "no account has this email address", vec![], now);
        return hold(q, false).await;
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
                message_id: screened.message_id.clone(),
                message_sha256: Some(screened.sha.clone()),
                ..Evidence::default()
            },
            idempotency_base: Some(screened.dedup_base()),
        };
        let c = change::build(config, &request, now);
        change.events.extend(c.events);
        change.notices.extend(c.notices);
    }
    let ambiguous = accounts.len() > 1;
    if ambiguous {
        let detail = format!("{} accounts share this address; the opt-out was applied to all of them", accounts.len());
        change.quarantine = Some(screened.quarantine(raw, "ambiguous", &detail, accounts.clone(), now));
    }
    let out = store.record_consent(&change, now).await?;
    Ok(Outcome {
        outcome: "applied",
        account_ids: accounts,
        reason: ambiguous.then(|| "ambiguous: applied to every account with this address".to_owned()),
        quarantine_id: out.quarantine,
        recorded: out.recorded.len(),
        complaint_id: None,
        unparseable: false,
    })
}

/// A message to the privacy address: a complaint, acknowledged when it came from the
/// email address of exactly one account.
async fn complaint(store: &dyn Store, config: &Config, raw: &[u8], now: DateTime<Utc>) -> Result<Outcome, StoreError> {
    let own = config.complaints.mailbox_address(&config.carrier.privacy_email);
    let screened = screen(raw, config, Some(own));
    let (message, sender) = match &screened.verdict {
        Ok(found) => found,
        Err(held) => {
            let q = screened.quarantine(raw, held.reason, &held.detail, vec![], now);
            let id = store.quarantine_privacy_mail(&q).await?;
            return Ok(quarantined(held.reason, Some(id), held.unparseable));
        }
    };
    let matched = store.accounts_with_email(sender).await?;
    let account = match matched.as_slice() {
        [one] => store.get_account(*one).await?,
        _ => None,
    };
    let reason = match matched.len() {
        0 => Some("unmatched: filed without an account".to_owned()),
        1 => None,
        n => Some(format!("ambiguous: {n} accounts share this address; filed without an account")),
    };
    let subject = intake::cut(message.subject().unwrap_or_default(), MAX_SUBJECT);
    let body = intake::cut(message.body_text(0).as_deref().unwrap_or_default(), MAX_DESCRIPTION);
    let intake = Intake {
        category: ComplaintCategory::Other,
        channel: ComplaintChannel::Mailbox,
        account: account.as_ref(),
        candidate_accounts: if account.is_some() { Vec::new() } else { matched.clone() },
        subject: if subject.is_empty() { "(no subject)".to_owned() } else { subject },
        description: body,
        contact: Some(sender.as_str().to_owned()),
        received_at: now,
        recorded_by: "mail-ingest".to_owned(),
        message_id: screened.message_id.clone(),
        message_sha256: Some(screened.sha.clone()),
        dedup_key: Some(screened.dedup_base()),
    };
    let (complaint, acknowledgement) = intake::build(config, intake, now);
    let out = store.record_complaint(&complaint, &acknowledgement, now).await?;
    Ok(Outcome {
        outcome: "filed",
        account_ids: out.complaint.account_id.into_iter().collect(),
        reason,
        quarantine_id: None,
        recorded: usize::from(out.created),
        complaint_id: Some(out.complaint.id),
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

async fn watch(db: &DbArgs, mailbox: Mailbox, maildir: &Path, once: bool, poll_ms: u64) -> i32 {
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
                match process(&**s, &config, mailbox, &raw, delivered_at(&path), Utc::now()).await {
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
