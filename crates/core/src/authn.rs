//! Customer authentication, the pure rules (47 CFR 64.2010, seed policy S3): which
//! secrets may be chosen, what each piece of evidence opens on each channel, and the
//! lockout arithmetic. No hashing here (the server does Argon2id) and no clock: `now`
//! is a parameter.

use crate::ValidationError;
use crate::account::{Account, str_enum};
use crate::contact::ContactValue;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

str_enum!(
    /// The shared secrets an account may have.
    SecretKind { Password => "password", Pin => "pin", BackupAnswer => "backup_answer" }
);
str_enum!(
    /// Where the customer is: a customer-initiated call, the portal, a store, a chat.
    InteractionChannel { Phone => "phone", Online => "online", InStore => "in_store", Chat => "chat" }
);
str_enum!(
    /// The kinds of evidence an interaction records.
    EvidenceKind {
        PasswordVerified => "password_verified",
        PinVerified => "pin_verified",
        BackupAnswerVerified => "backup_answer_verified",
        PhotoIdChecked => "photo_id_checked",
        CallBackCompleted => "call_back_completed",
        VolunteeredCallDetails => "volunteered_call_details",
        AuthenticatedUnderContract => "authenticated_under_contract",
        PasswordFailed => "password_failed",
        PinFailed => "pin_failed",
        BackupAnswerFailed => "backup_answer_failed",
    }
);

impl SecretKind {
    /// The evidence a successful check of this secret records.
    pub fn evidence(self) -> EvidenceKind {
        match self {
            SecretKind::Password => EvidenceKind::PasswordVerified,
            SecretKind::Pin => EvidenceKind::PinVerified,
            SecretKind::BackupAnswer => EvidenceKind::BackupAnswerVerified,
        }
    }

    /// The record a failed check of this secret leaves in the interaction (it opens
    /// nothing; it counts towards [`only_recovery_remains`]).
    pub fn failure_evidence(self) -> EvidenceKind {
        match self {
            SecretKind::Password => EvidenceKind::PasswordFailed,
            SecretKind::Pin => EvidenceKind::PinFailed,
            SecretKind::BackupAnswer => EvidenceKind::BackupAnswerFailed,
        }
    }
}

/// Issue 4, item 5: once both the password and the back-up answer have failed within
/// one interaction, no further secret is checked in it — only recovery remains (a
/// single-use code to the email address of record, `POST /api/v1/portal/recovery`).
pub fn only_recovery_remains(evidence: &[EvidenceKind]) -> bool {
    evidence.contains(&EvidenceKind::PasswordFailed) && evidence.contains(&EvidenceKind::BackupAnswerFailed)
}

/// A secret as the customer typed it. `Debug` and `Display` never show it; it is
/// never serialized (request bodies only).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Password))]
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret's text, for hashing and verification only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// What about the customer is readily available to a pretexter and so may never be
/// (or be contained in) a secret: account number, telephone numbers, ZIP, birth date,
/// the last 4 of a tax id.
#[derive(Debug, Clone, Default)]
pub struct KnownFacts {
    pub account_number: String,
    pub telephone_numbers: Vec<String>,
    pub zips: Vec<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub tax_id_last4: Option<String>,
}

impl KnownFacts {
    /// The facts the account itself holds (all contact points, past ones too when given).
    pub fn of_account(account: &Account, history: &[crate::contact::ContactPoint]) -> Self {
        let mut facts =
            KnownFacts { account_number: account.profile.account_number.as_str().to_owned(), ..Default::default() };
        for c in account.contact_points.iter().chain(history) {
            match &c.value {
                ContactValue::Phone(p) => facts.telephone_numbers.push(p.as_str().to_owned()),
                ContactValue::Postal(a) => facts.zips.push(a.zip5().to_owned()),
                ContactValue::Email(_) => {}
            }
        }
        facts
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Every run of `len` consecutive digits of `source`'s digits.
fn digit_runs(source: &str, len: usize) -> Vec<String> {
    let d = digits(source);
    if d.len() < len {
        return Vec::new();
    }
    (0..=d.len() - len).map(|i| d[i..i + len].to_owned()).collect()
}

/// Whether a digit string is trivial: all one digit, or ascending/descending by one.
pub fn is_trivial_digits(d: &str) -> bool {
    let b = d.as_bytes();
    if b.len() < 2 {
        return true;
    }
    let same = b.iter().all(|&c| c == b[0]);
    let step = |s: i16| b.windows(2).all(|w| i16::from(w[1]) - i16::from(w[0]) == s);
    same || step(1) || step(-1)
}

fn refuse(kind: SecretKind, reason: impl Into<String>) -> ValidationError {
    ValidationError::new(kind.as_str(), reason)
}

/// Check a new secret against the rules: PIN 4–8 digits and not trivial; password 8–128
/// characters; back-up answer 3–100 characters; and none based on `facts`. The error
/// says why, never repeating the secret.
pub fn validate_secret(kind: SecretKind, secret: &Secret, facts: &KnownFacts) -> Result<(), ValidationError> {
    let s = secret.expose();
    match kind {
        SecretKind::Pin => {
            if !(4..=8).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(refuse(kind, "a PIN is 4 to 8 digits"));
            }
            if is_trivial_digits(s) {
                return Err(refuse(kind, "the PIN is too easy to guess (repeated or sequential digits)"));
            }
        }
        SecretKind::Password => {
            let n = s.chars().count();
            if !(8..=128).contains(&n) {
                return Err(refuse(kind, "a password is 8 to 128 characters"));
            }
        }
        SecretKind::BackupAnswer => {
            let n = s.trim().chars().count();
            if !(3..=100).contains(&n) {
                return Err(refuse(kind, "a back-up answer is 3 to 100 characters"));
            }
        }
    }
    let d = digits(s);
    let contains_run = |source: &str| d.len() >= 4 && digit_runs(source, 4).iter().any(|run| d.contains(run.as_str()));
    let upper = s.to_ascii_uppercase();
    if upper.contains(&facts.account_number.to_ascii_uppercase()) || contains_run(&facts.account_number) {
        return Err(refuse(
            kind,
            "it must not be based on the account number (account information is readily available)",
        ));
    }
    if facts.telephone_numbers.iter().any(|n| {
        // The local 7 and 10 digits and any 4-digit run of the number.
        contains_run(n)
    }) {
        return Err(refuse(kind, "it must not contain the account's telephone numbers (account information)"));
    }
    if facts.zips.iter().any(|z| z.len() >= 5 && d.contains(&digits(z))) {
        return Err(refuse(kind, "it must not contain the ZIP code (biographical information)"));
    }
    if let Some(dob) = facts.date_of_birth {
        let forms = [
            dob.format("%Y%m%d").to_string(),
            dob.format("%m%d%Y").to_string(),
            dob.format("%d%m%Y").to_string(),
            dob.format("%m%d%y").to_string(),
            dob.format("%m%d").to_string(),
            dob.format("%Y").to_string(),
        ];
        if forms.iter().any(|f| d.contains(f.as_str())) {
            return Err(refuse(kind, "it must not contain the date of birth (biographical information)"));
        }
    }
    if let Some(last4) = &facts.tax_id_last4
        && d.contains(last4.as_str())
    {
        return Err(refuse(kind, "it must not contain the last 4 of the tax id (biographical information)"));
    }
    Ok(())
}

/// Issue 18: evidence only the staff member's word stands behind — a photo ID they
/// say they checked, a call back they say they completed. It authenticates, but it is
/// marked as staff-attested wherever it is recorded, and a staff member who sets
/// secrets on account after account on the strength of it raises a pretexting signal.
pub fn is_staff_attested(kind: EvidenceKind) -> bool {
    matches!(kind, EvidenceKind::PhotoIdChecked | EvidenceKind::CallBackCompleted)
}

/// The staff-attested evidence an interaction's authentication rests on, when nothing
/// the customer proved themselves (a secret, the contract) nor a system confirmation (a
/// call back the telephony platform reported answered) is there too. `evidence` pairs
/// each kind with whether it was staff-attested.
pub fn rests_on_attestation(evidence: &[(EvidenceKind, bool)]) -> Option<EvidenceKind> {
    use EvidenceKind::*;
    let proved = [PasswordVerified, PinVerified, BackupAnswerVerified, AuthenticatedUnderContract];
    let confirmed = |(k, attested): &(EvidenceKind, bool)| proved.contains(k) || (is_staff_attested(*k) && !attested);
    if evidence.iter().any(confirmed) {
        return None;
    }
    evidence.iter().find(|(k, attested)| *attested && is_staff_attested(*k)).map(|(k, _)| *k)
}

/// A government photo ID shown in store. Only type, last 4, expiry and whether the
/// name matched the account holder's are recorded.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoId {
    pub id_type: String,
    pub last4: String,
    pub expires_on: NaiveDate,
    /// The staff member compared the name on the ID with the account holder's.
    pub name_matched: bool,
}

impl PhotoId {
    /// Valid: a known type, 4 last characters, and not expired on `today`.
    pub fn validate(&self, today: NaiveDate) -> Result<(), ValidationError> {
        const TYPES: [&str; 4] = ["drivers_license", "passport", "state_id", "military_id"];
        if !TYPES.contains(&self.id_type.as_str()) {
            return Err(ValidationError::new("id_type", format!("one of {}", TYPES.join(", "))));
        }
        if self.last4.chars().count() != 4 || !self.last4.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ValidationError::new("last4", "the last 4 letters or digits of the ID number"));
        }
        if self.expires_on < today {
            return Err(ValidationError::new("expires_on", "the ID has expired: an expired ID does not authenticate"));
        }
        if !self.name_matched {
            return Err(ValidationError::new(
                "name_matched",
                "the name on the ID must match the account holder's: an ID that does not match does not authenticate",
            ));
        }
        Ok(())
    }
}

/// How call detail may be handled in an interaction.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallDetailAccess {
    /// May be discussed or shown.
    Open,
    /// Only the call details the customer stated, unprompted.
    VolunteeredOnly,
    /// Only by delivery to the address of record (or after a call back).
    DeliveryOnly,
}

/// What the evidence recorded so far opens (the disclosure gate enforces it).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofSummary {
    /// Whether the customer is authenticated at all (CPNI other than call detail).
    pub authenticated: bool,
    pub call_detail: CallDetailAccess,
    /// Non-call-detail CPNI (services, invoices) may be discussed.
    pub other_cpni: bool,
    /// A new secret may be set in this interaction.
    pub may_set_secrets: bool,
    /// Why, in words the CSR can act on.
    pub explanation: Vec<String>,
}

/// The channel rules of 64.2010 (b)–(d), (g) and the seed policy S3.
pub fn what_proof_opens(channel: InteractionChannel, evidence: &[EvidenceKind], business_exempt: bool) -> ProofSummary {
    use EvidenceKind::*;
    let has = |k: EvidenceKind| evidence.contains(&k);
    let mut why = Vec::new();
    let volunteered = has(VolunteeredCallDetails);
    let none = |why: Vec<String>| ProofSummary {
        authenticated: false,
        call_detail: if volunteered { CallDetailAccess::VolunteeredOnly } else { CallDetailAccess::DeliveryOnly },
        other_cpni: false,
        may_set_secrets: false,
        explanation: why,
    };
    if has(AuthenticatedUnderContract) {
        if business_exempt {
            why.push("authenticated under the business customer's contract (64.2010(g))".to_owned());
            return ProofSummary {
                authenticated: true,
                call_detail: CallDetailAccess::Open,
                other_cpni: true,
                may_set_secrets: true,
                explanation: why,
            };
        }
        why.push("contract authentication ignored: the account is not business-exempt".to_owned());
    }
    let full = |why: Vec<String>| ProofSummary {
        authenticated: true,
        call_detail: CallDetailAccess::Open,
        other_cpni: true,
        may_set_secrets: true,
        explanation: why,
    };
    match channel {
        InteractionChannel::Phone | InteractionChannel::Chat => {
            if has(PasswordVerified) {
                why.push("password given: call detail and other CPNI may be discussed".to_owned());
                return full(why);
            }
            if has(CallBackCompleted) {
                why.push("called back at the telephone number of record: the customer is authenticated".to_owned());
                return full(why);
            }
            if has(PinVerified) || has(BackupAnswerVerified) {
                why.push("PIN or back-up answer given: CPNI other than call detail may be discussed; call detail needs the password, a call back to the number of record, or delivery to the address of record".to_owned());
                return ProofSummary {
                    authenticated: true,
                    call_detail: if volunteered {
                        CallDetailAccess::VolunteeredOnly
                    } else {
                        CallDetailAccess::DeliveryOnly
                    },
                    other_cpni: true,
                    may_set_secrets: true,
                    explanation: why,
                };
            }
            if volunteered {
                why.push("the caller stated call details unprompted: only those may be discussed".to_owned());
            }
            why.push("not authenticated: ask for the password or PIN, offer a call back to the number of record, or send to the address of record".to_owned());
            none(why)
        }
        InteractionChannel::InStore => {
            if has(PhotoIdChecked) {
                why.push("valid, unexpired government photo ID matching the account (64.2010(d))".to_owned());
                return full(why);
            }
            why.push("in store, a valid photo ID matching the account is needed".to_owned());
            none(why)
        }
        InteractionChannel::Online => {
            if has(PasswordVerified) {
                why.push("logged in with the password (64.2010(c))".to_owned());
                return full(why);
            }
            why.push("online access needs the password".to_owned());
            none(why)
        }
    }
}

/// The lockout policy: after `max_failures` failures within `window` the account is
/// locked for `lock_for`; each failure before that waits a little longer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub max_failures: u32,
    pub window: Duration,
    pub lock_for: Duration,
    pub base_delay: std::time::Duration,
    pub max_delay: std::time::Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window: Duration::minutes(15),
            lock_for: Duration::minutes(30),
            base_delay: std::time::Duration::from_millis(100),
            max_delay: std::time::Duration::from_secs(2),
        }
    }
}

/// The per-account failure bookkeeping, as stored.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockState {
    pub failures: u32,
    pub window_start: Option<DateTime<Utc>>,
    pub locked_until: Option<DateTime<Utc>>,
}

impl LockState {
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|u| u > now)
    }
}

impl LockoutPolicy {
    /// The state after one more failure at `now`.
    pub fn after_failure(&self, state: LockState, now: DateTime<Utc>) -> LockState {
        let in_window = state.window_start.is_some_and(|s| now - s < self.window);
        let (failures, window_start) =
            if in_window { (state.failures + 1, state.window_start) } else { (1, Some(now)) };
        if failures >= self.max_failures {
            LockState { failures, window_start, locked_until: Some(now + self.lock_for) }
        } else {
            LockState { failures, window_start, locked_until: state.locked_until.filter(|u| *u > now) }
        }
    }

    /// How long to wait before answering the `failures`-th failure: none for the first,
    /// then doubling from `base_delay`, capped at `max_delay`.
    pub fn delay(&self, failures: u32) -> std::time::Duration {
        if failures <= 1 {
            return std::time::Duration::ZERO;
        }
        let exp = 2u32.saturating_pow((failures - 2).min(20));
        self.base_delay.saturating_mul(exp).min(self.max_delay)
    }
}

pub mod check_record;

#[cfg(test)]
mod tests;
