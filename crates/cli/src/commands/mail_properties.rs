//! Property tests of the opt-out mailbox (issue 20, item 7): arbitrary bytes and real
//! messages changed the ways mail systems change them (folded headers, CRLF, odd
//! charsets, MIME wrapping, huge lines, missing headers, cuts and flipped bytes) go
//! through `process` on a real SQLite store. Never a panic or a store error: either an
//! opt-out applied to the sender's account, or a reason of the screening that lands in
//! the quarantine with the bytes as received.

use super::mail::{Mailbox, Outcome, process};
use chrono::Utc;
use cpniguard_core::email::EmailAddress;
use cpniguard_core::ids::AccountId;
use cpniguard_server::Config;
use cpniguard_store::StoreWithRecords;
use proptest::prelude::*;
use proptest::sample::select;
use std::sync::Arc;

/// The fixtures that opt their sender (rosa@example.com, an account's email) out.
const APPLIED: [&[u8]; 7] = [
    include_bytes!("../../tests/fixtures/mail/plain.eml"),
    include_bytes!("../../tests/fixtures/mail/multipart_alternative.eml"),
    include_bytes!("../../tests/fixtures/mail/html_only.eml"),
    include_bytes!("../../tests/fixtures/mail/qp_spanish_subject.eml"),
    include_bytes!("../../tests/fixtures/mail/base64_body.eml"),
    include_bytes!("../../tests/fixtures/mail/encoded_word_from.eml"),
    include_bytes!("../../tests/fixtures/mail/reply_quoted.eml"),
];

/// The fixtures the screening holds, each with its reason.
const HELD: [(&[u8], &str); 5] = [
    (include_bytes!("../../tests/fixtures/mail/auto_reply.eml"), "automated"),
    (include_bytes!("../../tests/fixtures/mail/bounce.eml"), "bounce"),
    (include_bytes!("../../tests/fixtures/mail/spoof_dmarc_fail.eml"), "auth_failed"),
    (include_bytes!("../../tests/fixtures/mail/unknown_sender.eml"), "unmatched"),
    (include_bytes!("../../tests/fixtures/mail/unparseable.eml"), "unparseable"),
];

/// Every reason the opt-out mailbox quarantines for.
const REASONS: [&str; 5] = ["unparseable", "automated", "bounce", "auth_failed", "unmatched"];

const TRUSTED: &str = "mx.carrier.example";

/// A change a mail system or a sender's client may make without changing what the
/// message says.
#[derive(Debug, Clone)]
enum Reshape {
    /// Fold every header whose value has a space, at its `n`th space.
    Fold(usize, &'static str),
    Crlf,
    Charset(&'static str),
    /// Wrap the body as the first part of a multipart/mixed with an attachment.
    WrapMixed,
    HugeLine(usize),
    Drop(&'static str),
}

fn reshape() -> impl Strategy<Value = Reshape> {
    prop_oneof![
        (0usize..4, select(vec!["\r\n ", "\n\t", "\n "])).prop_map(|(n, fold)| Reshape::Fold(n, fold)),
        Just(Reshape::Crlf),
        select(vec!["iso-8859-1", "koi8-r", "iso-2022-jp", "x-unknown-charset", "utf-7", "windows-1252", ""])
            .prop_map(Reshape::Charset),
        Just(Reshape::WrapMixed),
        (1usize..300_000).prop_map(Reshape::HugeLine),
        select(vec!["Message-ID", "Date", "MIME-Version", "Content-Type", "To", "Subject", "Return-Path"])
            .prop_map(Reshape::Drop),
    ]
}

/// A change that may break the message: cut it, flip, insert or delete bytes.
#[derive(Debug, Clone)]
enum Damage {
    Cut(usize),
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<usize>().prop_map(Damage::Cut),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Damage::Flip(at, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..64)).prop_map(|(at, b)| Damage::Insert(at, b)),
        (any::<usize>(), 1usize..200).prop_map(|(at, n)| Damage::Delete(at, n)),
    ]
}

/// The header block's lines and the body, split at the first empty line.
fn split(raw: &[u8]) -> (Vec<String>, Vec<u8>) {
    let text = String::from_utf8_lossy(raw).into_owned();
    // The empty line ends the header block, whatever the line ends are.
    let end = [("\n\n", 2usize), ("\n\r\n", 3)].iter().filter_map(|(sep, n)| text.find(sep).map(|i| (i, *n))).min();
    let (head, body) = match end {
        Some((i, n)) => (&text[..i], &text[i + n..]),
        None => (text.as_str(), ""),
    };
    (head.lines().map(str::to_owned).collect(), body.as_bytes().to_vec())
}

fn join(head: &[String], body: &[u8]) -> Vec<u8> {
    let mut out = head.join("\n").into_bytes();
    out.extend_from_slice(b"\n\n");
    out.extend_from_slice(body);
    out
}

fn is(line: &str, name: &str) -> bool {
    let line = line.as_bytes();
    line.len() > name.len() && line[..name.len()].eq_ignore_ascii_case(name.as_bytes()) && line[name.len()] == b':'
}

fn apply(raw: &[u8], change: &Reshape) -> Vec<u8> {
    let (mut head, mut body) = split(raw);
    match change {
        Reshape::Fold(n, fold) => {
            for line in &mut head {
                let Some(colon) = line.find(": ") else { continue };
                let spaces: Vec<usize> = line[colon + 2..].match_indices(' ').map(|(i, _)| colon + 2 + i).collect();
                if let Some(at) = spaces.get(n % spaces.len().max(1)) {
                    line.replace_range(*at..*at + 1, fold);
                }
            }
        }
        Reshape::Crlf => return join(&head, &body).iter().fold(Vec::new(), crlf),
        Reshape::Charset(charset) => {
            for line in &mut head {
                if is(line, "Content-Type") && line.contains("charset=") {
                    let start = line.find("charset=").unwrap_or(0);
                    line.replace_range(start.., &format!("charset={charset}"));
                }
            }
        }
        Reshape::WrapMixed => {
            let inner: Vec<String> =
                head.iter().filter(|l| is(l, "Content-Type") || is(l, "Content-Transfer-Encoding")).cloned().collect();
            head.retain(|l| !is(l, "Content-Type") && !is(l, "Content-Transfer-Encoding"));
            head.push("Content-Type: multipart/mixed; boundary=\"mixed-7\"".to_owned());
            let mut wrapped = b"--mixed-7\n".to_vec();
            wrapped.extend_from_slice(inner.join("\n").as_bytes());
            wrapped.extend_from_slice(b"\n\n");
            wrapped.extend_from_slice(&body);
            wrapped.extend_from_slice(
                b"\n--mixed-7\nContent-Type: application/octet-stream; name=\"a.bin\"\n\
                  Content-Transfer-Encoding: base64\n\nAAECAwQF\n--mixed-7--\n",
            );
            body = wrapped;
        }
        Reshape::HugeLine(len) => {
            body.extend(std::iter::repeat_n(b'x', *len));
            body.push(b'\n');
        }
        Reshape::Drop(name) => head.retain(|l| !is(l, name)),
    }
    join(&head, &body)
}

fn crlf(mut out: Vec<u8>, b: &u8) -> Vec<u8> {
    if *b == b'\n' && out.last() != Some(&b'\r') {
        out.push(b'\r');
    }
    out.push(*b);
    out
}

fn harm(raw: &[u8], damage: &Damage) -> Vec<u8> {
    let mut out = raw.to_vec();
    let len = out.len();
    let at = |i: usize| i % (len + 1);
    match damage {
        Damage::Cut(i) => out.truncate(at(*i)),
        Damage::Flip(i, b) => {
            let i = at(*i);
            if i < out.len() {
                out[i] ^= b | 1;
            }
        }
        Damage::Insert(i, bytes) => {
            let i = at(*i);
            out.splice(i..i, bytes.iter().copied());
        }
        Damage::Delete(i, n) => {
            let i = at(*i);
            out.drain(i..(i + n).min(out.len()));
        }
    }
    out
}

/// A SQLite store with the account whose email the fixtures come from.
struct Env {
    _dir: tempfile::TempDir,
    store: Arc<dyn StoreWithRecords>,
    config: Config,
    account: AccountId,
    runtime: tokio::runtime::Runtime,
}

impl Env {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (dir, store) = runtime.block_on(cpniguard_store::testing::fresh_sqlite());
        let account = AccountId::new();
        let mut new = cpniguard_store::conformance::new_account("MAIL-PROP-1", "Rosa Díaz", &["+18015557001"]);
        new.email = Some(EmailAddress::parse("rosa@example.com").unwrap());
        runtime.block_on(store.create_account(account, &new, Utc::now())).unwrap();
        let mut config = Config::default();
        config.consent.trusted_authserv_id = TRUSTED.to_owned();
        Env { _dir: dir, store, config, account, runtime }
    }

    /// Process `raw` on the opt-out mailbox: the store must answer, and the outcome
    /// must be an opt-out of the account or a screening reason kept with the bytes.
    fn ingest(&self, raw: &[u8]) -> Result<Outcome, TestCaseError> {
        let out = self
            .runtime
            .block_on(process(self.store.as_ref(), &self.config, Mailbox::Optout, raw, None, Utc::now()))
            .map_err(|e| TestCaseError::fail(format!("the store failed: {e}")))?;
        match out.outcome {
            "applied" => prop_assert_eq!(&out.account_ids, &vec![self.account]),
            "quarantined" => {
                let reason = out.reason.clone().unwrap_or_default();
                prop_assert!(REASONS.contains(&reason.as_str()), "an unknown reason {reason:?}");
                prop_assert_eq!(out.unparseable, reason == "unparseable");
                let id = out.quarantine_id.ok_or_else(|| TestCaseError::fail("quarantined without an entry"))?;
                let kept = self.runtime.block_on(self.store.get_quarantined(id)).unwrap();
                let kept = kept.ok_or_else(|| TestCaseError::fail("the quarantine entry is missing"))?;
                prop_assert_eq!(&kept.reason, &reason);
                prop_assert!(kept.raw == raw, "the quarantine keeps the bytes as received");
            }
            other => prop_assert!(false, "an opt-out mailbox outcome {other:?}"),
        }
        Ok(out)
    }
}

fn cases(n: u32) -> ProptestConfig {
    ProptestConfig { cases: n, failure_persistence: None, ..ProptestConfig::default() }
}

#[test]
fn arbitrary_bytes_are_quarantined_with_a_reason() {
    let env = Env::new();
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2048),
        ("\\PC{0,80}", prop::collection::vec(any::<u8>(), 0..512)).prop_map(|(head, tail)| {
            let mut raw = format!("From: {head}\nSubject: x\n\n").into_bytes();
            raw.extend(tail);
            raw
        }),
    ];
    proptest!(cases(256), |(raw in bytes)| {
        env.ingest(&raw)?;
    });
}

#[test]
fn reshaped_messages_still_opt_out_or_stay_held_for_their_reason() {
    let env = Env::new();
    let messages = (0..APPLIED.len() + HELD.len(), prop::collection::vec(reshape(), 1..4));
    proptest!(cases(256), |((which, changes) in messages)| {
        let (original, held) = match APPLIED.get(which) {
            Some(raw) => (*raw, None),
            None => (HELD[which - APPLIED.len()].0, Some(HELD[which - APPLIED.len()].1)),
        };
        let raw = changes.iter().fold(original.to_vec(), |raw, c| apply(&raw, c));
        let out = env.ingest(&raw)?;
        match held {
            None => prop_assert_eq!(out.outcome, "applied", "{:?}", out.reason),
            Some(reason) => prop_assert_eq!(out.reason.as_deref(), Some(reason)),
        }
    });
}

#[test]
fn a_message_without_a_sender_is_unparseable() {
    let env = Env::new();
    proptest!(cases(64), |(which in 0..APPLIED.len(), first in proptest::option::of(reshape()))| {
        let mut raw = apply(APPLIED[which], &Reshape::Drop("From"));
        if let Some(change) = first {
            raw = apply(&raw, &change);
        }
        let out = env.ingest(&raw)?;
        prop_assert_eq!(out.reason.as_deref(), Some("unparseable"));
    });
}

#[test]
fn damaged_messages_opt_out_or_are_quarantined_with_a_reason() {
    let env = Env::new();
    let all: Vec<&[u8]> = APPLIED.iter().copied().chain(HELD.iter().map(|(raw, _)| *raw)).collect();
    proptest!(cases(256), |(which in 0..all.len(), damages in prop::collection::vec(damage(), 1..6))| {
        let raw = damages.iter().fold(all[which].to_vec(), |raw, d| harm(&raw, d));
        env.ingest(&raw)?;
    });
}
