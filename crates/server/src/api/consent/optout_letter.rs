//! The letter an opt-out failure owes the Commission (47 CFR 64.2009(f)(1)): the
//! carrier's name, the opt-out mechanisms it offers, the problem, the remedy and when
//! it was or will be in place, whether the state commissions were told and what they
//! did, a copy of the notice customers get, and whom to contact. Drafted from the
//! incident and the `[carrier]` section each time it is read, so what is recorded later
//! (the remedy, the state commissions) appears in it; what is still missing is named.

use crate::config::Config;
use cpniguard_core::account::Language;
use cpniguard_core::notice::NoticeKind;
use cpniguard_notify::Renderer;
use cpniguard_store::consent::{OptOutIncident, OptOutMechanism};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use utoipa::ToSchema;

/// The Commission's address for filings by mail.
const TO: &str = "Office of the Secretary\nFederal Communications Commission\n45 L Street NE\nWashington, DC 20554";

#[derive(Debug, Serialize, ToSchema)]
pub struct LetterDraft {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// What must be recorded before the letter can be sent: `remedy`,
    /// `state_commissions`. Empty when complete.
    pub missing: Vec<&'static str>,
}

fn mechanism_words(m: OptOutMechanism) -> &'static str {
    match m {
        OptOutMechanism::MailIngest => "opt-out by email (processing of messages sent to the marketing address)",
        OptOutMechanism::MailReview => "opt-out by email (messages held for review before they are applied)",
        OptOutMechanism::Portal => "opt-out through the customer's online account",
    }
}

/// The opt-out notice as customers receive it (English), for the copy the rule asks for.
fn customer_notice(config: &Config, incident: &OptOutIncident) -> String {
    let params = BTreeMap::from([
        ("change".to_owned(), NoticeKind::OptOutNotice.as_str().to_owned()),
        ("changed_at".to_owned(), incident.detected_at.to_rfc3339()),
        ("name".to_owned(), "[customer name]".to_owned()),
    ]);
    match Renderer::new().render(NoticeKind::OptOutNotice.template(), Language::En, &params, &config.carrier_info()) {
        Ok(r) => format!("Subject: {}\n\n{}", r.subject, r.text),
        // The templates are compiled in and tested; a failure is a build defect, shown
        // rather than hidden.
        Err(e) => format!("[the customer notice could not be rendered: {e}]"),
    }
}

pub fn draft(config: &Config, incident: &OptOutIncident) -> LetterDraft {
    let c = &config.carrier;
    let mut missing = Vec::new();
    let subject = format!("{}: notice of opt-out mechanism failure under 47 CFR 64.2009(f)", c.name);
    let mut t = String::new();
    let _ = writeln!(t, "{TO}\n\nRe: {subject}\n\nThe {} (\"the carrier\") gives the following notice.\n", c.name);
    let _ = writeln!(t, "1. Carrier\n{}\n", c.name);
    let _ = writeln!(
        t,
        "2. Opt-out mechanisms used\nCustomers may deny or withdraw approval to use their CPNI at no cost at any \
         time: by email to {}; by calling {}, 24 hours a day, 7 days a week; and through their online account at {}. \
         The mechanism concerned: {}. This notice is given although other mechanisms remained available.\n",
        c.marketing_email,
        c.support_phone,
        c.website,
        mechanism_words(incident.mechanism)
    );
    let _ = writeln!(
        t,
        "3. Problem experienced\nDetected on {}: {}\n",
        incident.detected_at.format("%Y-%m-%d %H:%M UTC"),
        incident.problem
    );
    match &incident.remedy {
        Some(r) => {
            let _ = writeln!(
                t,
                "4. Remedy\n{} Implemented (or to be implemented) on {}.\n",
                r.description, r.implemented_on
            );
        }
        None => {
            missing.push("remedy");
            let _ = writeln!(t, "4. Remedy\n[the remedy and the date it was or will be implemented]\n");
        }
    }
    match &incident.state_commissions {
        Some(s) if s.notified => {
            let action = if s.action_taken.trim().is_empty() { "none so far" } else { s.action_taken.as_str() };
            let _ = writeln!(t, "5. State commissions\nNotified: {}. Action taken: {action}.\n", s.commissions);
        }
        Some(_) => {
            let _ = writeln!(t, "5. State commissions\nThe state commissions have not been notified.\n");
        }
        None => {
            missing.push("state_commissions");
            let _ = writeln!(t, "5. State commissions\n[whether the state commissions were notified and any action]\n");
        }
    }
    let _ = writeln!(
        t,
        "6. Contact\n{}\n{}\n{}\n\n7. Copy of the notice provided to customers\n\n{}",
        c.privacy_postal_address,
        c.privacy_email,
        c.support_phone,
        customer_notice(config, incident)
    );
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head><body>{}</body></html>",
        cpniguard_notify::escape_html(&subject),
        t.split("\n\n")
            .map(|p| format!("<p>{}</p>", cpniguard_notify::escape_html(p).replace('\n', "<br>")))
            .collect::<String>()
    );
    LetterDraft { to: TO.to_owned(), subject, text: t, html, missing }
}
