//! Customer-facing text from Fluent templates (`templates/{language}/{template}.ftl`,
//! compiled in). Each template declares the parameters it may see; anything else in a
//! notice's parameters never reaches Fluent, so a value that should not be in a notice
//! (a new address, CPNI) cannot leak into one by a template edit.

use crate::config::CarrierInfo;
use chrono::{DateTime, Datelike, Timelike, Utc};
use cpniguard_core::account::Language;
use cpniguard_core::notice::NoticeKind;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::collections::{BTreeMap, HashMap};
use unic_langid::LanguageIdentifier;

/// The messages every template defines in every language.
pub const MESSAGES: [&str; 4] = ["subject", "body", "sms", "voice"];

/// How a declared parameter is checked and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Param {
    /// Shown as given (the account holder's name).
    Text,
    /// A `NoticeKind` value, for the template's select expressions.
    Change,
    /// An RFC 3339 timestamp, shown as a date and time in words.
    Time,
}

struct TemplateSource {
    name: &'static str,
    params: &'static [(&'static str, Param)],
    ftl: fn(Language) -> &'static str,
}

/// Every template. A `match` on the language, so adding a language fails to compile
/// until each template has its translation.
const TEMPLATES: &[TemplateSource] = &[
    TemplateSource {
        name: "account-change",
        params: &[("change", Param::Change), ("changed_at", Param::Time), ("name", Param::Text)],
        ftl: |language| match language {
            Language::En => include_str!("../templates/en/account-change.ftl"),
            Language::Es => include_str!("../templates/es/account-change.ftl"),
        },
    },
    TemplateSource {
        name: "recovery-code",
        params: &[("change", Param::Change), ("changed_at", Param::Time), ("name", Param::Text), ("code", Param::Text)],
        ftl: |language| match language {
            Language::En => include_str!("../templates/en/recovery-code.ftl"),
            Language::Es => include_str!("../templates/es/recovery-code.ftl"),
        },
    },
    TemplateSource {
        name: "call-back",
        params: &[("change", Param::Change), ("changed_at", Param::Time), ("name", Param::Text)],
        ftl: |language| match language {
            Language::En => include_str!("../templates/en/call-back.ftl"),
            Language::Es => include_str!("../templates/es/call-back.ftl"),
        },
    },
    TemplateSource {
        name: "document-delivery",
        params: &[
            ("change", Param::Change),
            ("changed_at", Param::Time),
            ("name", Param::Text),
            ("document", Param::Text),
        ],
        ftl: |language| match language {
            Language::En => include_str!("../templates/en/document-delivery.ftl"),
            Language::Es => include_str!("../templates/es/document-delivery.ftl"),
        },
    },
    TemplateSource {
        name: "consent-confirmation",
        params: &[("change", Param::Change), ("changed_at", Param::Time), ("name", Param::Text)],
        ftl: |language| match language {
            Language::En => include_str!("../templates/en/consent-confirmation.ftl"),
            Language::Es => include_str!("../templates/es/consent-confirmation.ftl"),
        },
    },
    TemplateSource {
        name: "optout-notice",
        params: &[("change", Param::Change), ("changed_at", Param::Time), ("name", Param::Text)],
        ftl: |language| match language {
            Language::En => include_str!("../templates/en/optout-notice.ftl"),
            Language::Es => include_str!("../templates/es/optout-notice.ftl"),
        },
    },
    TemplateSource {
        name: "breach-notice",
        params: &[
            ("change", Param::Change),
            ("changed_at", Param::Time),
            ("name", Param::Text),
            ("categories", Param::Text),
        ],
        ftl: |language| match language {
            Language::En => include_str!("../templates/en/breach-notice.ftl"),
            Language::Es => include_str!("../templates/es/breach-notice.ftl"),
        },
    },
    TemplateSource {
        name: "breach-reminder",
        params: &[("name", Param::Text), ("incident", Param::Text), ("clock", Param::Text), ("due", Param::Text)],
        ftl: |language| match language {
            Language::En => include_str!("../templates/en/breach-reminder.ftl"),
            Language::Es => include_str!("../templates/es/breach-reminder.ftl"),
        },
    },
    TemplateSource {
        name: "complaint-acknowledgement",
        params: &[
            ("change", Param::Change),
            ("changed_at", Param::Time),
            ("name", Param::Text),
            ("reference", Param::Text),
        ],
        ftl: |language| match language {
            Language::En => include_str!("../templates/en/complaint-acknowledgement.ftl"),
            Language::Es => include_str!("../templates/es/complaint-acknowledgement.ftl"),
        },
    },
    TemplateSource {
        name: "training-reminder",
        params: &[("name", Param::Text), ("staff", Param::Text), ("expires", Param::Text)],
        ftl: |language| match language {
            Language::En => include_str!("../templates/en/training-reminder.ftl"),
            Language::Es => include_str!("../templates/es/training-reminder.ftl"),
        },
    },
    TemplateSource {
        name: "certification-reminder",
        params: &[("name", Param::Text), ("year", Param::Text), ("due", Param::Text), ("status", Param::Text)],
        ftl: |language| match language {
            Language::En => include_str!("../templates/en/certification-reminder.ftl"),
            Language::Es => include_str!("../templates/es/certification-reminder.ftl"),
        },
    },
    TemplateSource {
        name: "policy-change",
        params: &[
            ("name", Param::Text),
            ("version", Param::Text),
            ("effective_on", Param::Text),
            ("summary", Param::Text),
            ("url", Param::Text),
        ],
        ftl: |language| match language {
            Language::En => include_str!("../templates/en/policy-change.ftl"),
            Language::Es => include_str!("../templates/es/policy-change.ftl"),
        },
    },
];

/// A notice in every form a channel needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    /// The plain-text letter or email body.
    pub text: String,
    /// `text` escaped into paragraphs, for the HTML part of an email.
    pub html: String,
    /// A short text message.
    pub sms: String,
    /// A script for a voice call or voicemail.
    pub voice: String,
}

/// Why a notice could not be rendered. Names parameters and messages, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("unknown template {0:?}")]
    UnknownTemplate(String),
    #[error("template {template} needs the parameter {param}")]
    MissingParam { template: &'static str, param: &'static str },
    #[error("parameter {param} of template {template} is not {expected}")]
    InvalidParam { template: &'static str, param: &'static str, expected: &'static str },
    #[error("template {template} ({language}) has no message {message}")]
    MissingMessage { template: &'static str, language: Language, message: &'static str },
    #[error("template {template} ({language}), message {message}: {errors}")]
    Fluent { template: &'static str, language: Language, message: &'static str, errors: String },
}

struct Template {
    source: &'static TemplateSource,
    bundles: HashMap<Language, FluentBundle<FluentResource>>,
}

/// The compiled templates; cheap to share (`Send + Sync`).
pub struct Renderer {
    templates: HashMap<&'static str, Template>,
}

impl Default for Renderer {
    fn default() -> Self {
        Self::new()
    }
}

impl Renderer {
    /// Parses the compiled-in templates. They are fixed at build time and the tests
    /// parse every one, so a failure here is a build defect.
    pub fn new() -> Self {
        let templates = TEMPLATES
            .iter()
            .map(|source| {
                let bundles = Language::ALL
                    .iter()
                    .map(|&language| {
                        let bundle = bundle(language, (source.ftl)(language))
                            .unwrap_or_else(|e| panic!("template {} ({language}): {e}", source.name));
                        (language, bundle)
                    })
                    .collect();
                (source.name, Template { source, bundles })
            })
            .collect();
        Self { templates }
    }

    /// Render `template` in `language`. Only the template's declared parameters are
    /// read from `params`; a missing or malformed one, a missing message or any Fluent
    /// error is an error (never a half-rendered notice).
    pub fn render(
        &self,
        template: &str,
        language: Language,
        params: &BTreeMap<String, String>,
        carrier: &CarrierInfo,
    ) -> Result<Rendered, RenderError> {
        let t = self.templates.get(template).ok_or_else(|| RenderError::UnknownTemplate(template.to_owned()))?;
        let name = t.source.name;
        let mut args = FluentArgs::new();
        for &(param, kind) in t.source.params {
            let value = params.get(param).ok_or(RenderError::MissingParam { template: name, param })?.as_str();
            let shown = match kind {
                Param::Text => value.to_owned(),
                Param::Change => NoticeKind::parse(value)
                    .ok_or(RenderError::InvalidParam { template: name, param, expected: "a kind of change" })?
                    .as_str()
                    .to_owned(),
                Param::Time => DateTime::parse_from_rfc3339(value)
                    .map(|t| date_time_in_words(t.with_timezone(&Utc), language))
                    .map_err(|_| RenderError::InvalidParam { template: name, param, expected: "an RFC 3339 time" })?,
            };
            args.set(param, shown);
        }
        args.set("carrier", carrier.name.clone());
        args.set("support_phone", carrier.support_phone.clone());
        args.set("website", carrier.website.clone());
        args.set("privacy_email", carrier.privacy_email.clone());

        let bundle = &t.bundles[&language];
        let format = |message: &'static str| -> Result<String, RenderError> {
            let pattern = bundle.get_message(message).and_then(|m| m.value()).ok_or(RenderError::MissingMessage {
                template: name,
                language,
                message,
            })?;
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, Some(&args), &mut errors).into_owned();
            if errors.is_empty() {
                Ok(text)
            } else {
                let errors = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
                Err(RenderError::Fluent { template: name, language, message, errors })
            }
        };
        let [subject, text, sms, voice] = MESSAGES.map(format);
        let (subject, text) = (subject?, text?);
        let html = html_document(&subject, &text, language);
        Ok(Rendered { subject, text, html, sms: sms?, voice: voice? })
    }
}

fn bundle(language: Language, ftl: &'static str) -> Result<FluentBundle<FluentResource>, String> {
    let resource = FluentResource::try_new(ftl.to_owned()).map_err(|(_, errors)| format!("{errors:?}"))?;
    let id: LanguageIdentifier = language.as_str().parse().map_err(|e| format!("{e}"))?;
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks: they would end up as invisible characters in mail,
    // text messages and letters.
    bundle.set_use_isolating(false);
    bundle.add_resource(resource).map_err(|errors| format!("{errors:?}"))?;
    Ok(bundle)
}

/// "June 1, 2026 at 12:00 PM UTC" / "1 de junio de 2026 a las 12:00 (UTC)".
pub(crate) fn date_time_in_words(t: DateTime<Utc>, language: Language) -> String {
    let (date, minute) = (date_in_words(t, language), t.minute());
    match language {
        Language::En => {
            let (pm, hour) = t.hour12();
            format!("{date} at {hour}:{minute:02} {} UTC", if pm { "PM" } else { "AM" })
        }
        Language::Es => {
            let hour = t.hour();
            format!("{date} {} {hour}:{minute:02} (UTC)", if hour == 1 { "a la" } else { "a las" })
        }
    }
}

/// "June 1, 2026" / "1 de junio de 2026".
pub(crate) fn date_in_words(t: DateTime<Utc>, language: Language) -> String {
    let (day, month, year) = (t.day(), t.month0() as usize, t.year());
    match language {
        Language::En => {
            const MONTHS: [&str; 12] = [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ];
            format!("{} {day}, {year}", MONTHS[month])
        }
        Language::Es => {
            const MONTHS: [&str; 12] = [
                "enero",
                "febrero",
                "marzo",
                "abril",
                "mayo",
                "junio",
                "julio",
                "agosto",
                "septiembre",
                "octubre",
                "noviembre",
                "diciembre",
            ];
            format!("{day} de {} de {year}", MONTHS[month])
        }
    }
}

/// A minimal HTML email body: every piece of text is escaped; blank lines separate
/// paragraphs and single line breaks stay line breaks.
fn html_document(subject: &str, text: &str, language: Language) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", p.lines().map(escape).collect::<Vec<_>>().join("<br>\n")))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n{}\n</body>\n</html>\n",
        language.as_str(),
        escape(subject),
        paragraphs.join("\n")
    )
}

/// Escapes text for HTML element content and attribute values (the server's
/// hand-written documents use it too: the breach report, the certification, letters).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
