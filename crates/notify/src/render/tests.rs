use super::*;
use chrono::TimeZone;
use std::collections::BTreeSet;

fn carrier() -> CarrierInfo {
    CarrierInfo {
        name: "Example Carrier".into(),
        support_phone: "+1 800 555 0100".into(),
        website: "https://carrier.example".into(),
        privacy_email: "privacy@carrier.example".into(),
        privacy_postal_address: "100 Main Street, Salt Lake City, UT 84101".into(),
    }
}

fn params(change: NoticeKind) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("change".to_owned(), change.as_str().to_owned()),
        ("changed_at".to_owned(), "2026-06-01T12:00:00+00:00".to_owned()),
        ("name".to_owned(), "Rosa Díaz".to_owned()),
        // Declared by the recovery-code and document-delivery templates.
        ("code".to_owned(), "K7QX-M2PD".to_owned()),
        ("document".to_owned(), "Invoice copy".to_owned()),
        // Declared by the breach-notice template: kinds of information, in words.
        ("categories".to_owned(), "call detail".to_owned()),
        // Declared by the breach-reminder template: the incident, its clock, the due date.
        ("incident".to_owned(), "0192f0c4-0000-7000-8000-000000000001".to_owned()),
        ("clock".to_owned(), "agency_notice".to_owned()),
        ("due".to_owned(), "2026-06-10".to_owned()),
        // Declared by the complaint-acknowledgement template: the complaint's reference.
        ("reference".to_owned(), "C-0192F0C4".to_owned()),
        // Declared by the training-reminder template: whose training, and when it expires.
        ("staff".to_owned(), "Ana Ruiz (ana.csr)".to_owned()),
        ("expires".to_owned(), "2026-06-20".to_owned()),
        // Declared by the certification-reminder template.
        ("year".to_owned(), "2025".to_owned()),
        ("status".to_owned(), "draft".to_owned()),
        // Declared by the policy-change template: the version, its date, summary and page.
        ("version".to_owned(), "2".to_owned()),
        ("effective_on".to_owned(), "2026-07-01".to_owned()),
        ("summary".to_owned(), "We now keep call records for 18 months.".to_owned()),
        ("url".to_owned(), "https://carrier.example/privacy".to_owned()),
    ])
}

fn all_fields(r: &Rendered) -> [&str; 5] {
    [&r.subject, &r.text, &r.html, &r.sms, &r.voice]
}

/// Message ids: in Fluent, a message starts at column 0 with an identifier and `=`.
fn message_ids(ftl: &str) -> BTreeSet<String> {
    FluentResource::try_new(ftl.to_owned()).map_err(|(_, e)| e).expect("the template parses");
    ftl.lines()
        .filter_map(|l| l.split_once('=').map(|(id, _)| id.trim_end()))
        .filter(|id| id.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter(|id| id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_template_has_every_message_in_every_language_and_no_extra_ones() {
    for template in TEMPLATES {
        let ids: Vec<(Language, BTreeSet<String>)> =
            Language::ALL.iter().map(|&l| (l, message_ids((template.ftl)(l)))).collect();
        for (language, messages) in &ids {
            for required in MESSAGES {
                assert!(messages.contains(required), "{} ({language}) lacks {required}", template.name);
            }
            assert_eq!(messages, &ids[0].1, "{} ({language}) has other messages than {}", template.name, ids[0].0);
        }
    }
}

/// Each kind of change has its own wording in each language: a variant missing from a
/// translation would fall back to the default one and repeat its text.
#[test]
fn every_change_renders_in_every_language_with_its_own_wording() {
    let renderer = Renderer::new();
    for &language in Language::ALL {
        let mut subjects = BTreeSet::new();
        let mut texts = BTreeSet::new();
        for &kind in NoticeKind::ALL {
            let r = renderer.render(kind.template(), language, &params(kind), &carrier()).unwrap();
            for field in all_fields(&r) {
                assert!(!field.trim().is_empty(), "{kind} ({language}) has an empty part");
                assert!(!field.contains(['\u{2068}', '\u{2069}']), "no bidi isolation marks");
            }
            assert!(r.text.contains("Rosa Díaz") && r.text.contains("+1 800 555 0100"));
            assert!(r.text.contains("Example Carrier") && r.sms.contains("+1 800 555 0100"));
            assert!(r.sms.chars().count() <= 300, "the text message stays short: {}", r.sms);
            subjects.insert(r.subject);
            texts.insert(r.sms);
        }
        assert_eq!(subjects.len(), NoticeKind::ALL.len(), "{language}: subjects repeat");
        assert_eq!(texts.len(), NoticeKind::ALL.len(), "{language}: descriptions of the change repeat");
    }
}

#[test]
fn spanish_is_spanish_and_english_is_english() {
    let renderer = Renderer::new();
    let es = renderer.render("account-change", Language::Es, &params(NoticeKind::PasswordChanged), &carrier()).unwrap();
    assert!(es.subject.starts_with("Se cambió su contraseña"), "{}", es.subject);
    assert!(es.text.contains("El 1 de junio de 2026 a las 12:00 (UTC), se cambió la contraseña de su cuenta."));
    assert!(es.text.contains("Si usted no hizo este cambio, llame de inmediato a Example Carrier al +1 800 555 0100."));
    assert!(es.voice.contains("Si usted no hizo este cambio"));
    assert!(es.sms.contains("¿No fue usted?"));
    for english in ["If you", "password", "Dear", "June"] {
        assert!(!all_fields(&es).iter().any(|f| f.contains(english)), "English {english:?} in the Spanish notice");
    }
    let en = renderer.render("account-change", Language::En, &params(NoticeKind::PasswordChanged), &carrier()).unwrap();
    assert!(en.text.contains("On June 1, 2026 at 12:00 PM UTC, the password for your account was changed."));
    assert!(en.text.contains("If you did not make this change, call Example Carrier right away at +1 800 555 0100."));
}

/// Parameters a template does not declare never reach its text: only `name` (the
/// account holder) is shown from the notice's own data.
#[test]
fn undeclared_parameters_never_reach_the_text() {
    let leaks = [
        ("new_email", "new.address@elsewhere.example"),
        ("email", "old.address@example.com"),
        ("phone", "+18015550123"),
        ("postal", "742 Evergreen Terrace"),
        ("call_detail", "2026-05-30 +18015550199 42 min"),
        ("invoice_total", "$123.45"),
        ("account_number", "ACCT-998877"),
        ("password", "hunter2"),
    ];
    let renderer = Renderer::new();
    for &language in Language::ALL {
        for &kind in NoticeKind::ALL {
            let mut p = params(kind);
            p.extend(leaks.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            let r = renderer.render(kind.template(), language, &p, &carrier()).unwrap();
            for field in all_fields(&r) {
                for (_, value) in &leaks {
                    assert!(!field.contains(value), "{value} leaked into a {kind} notice");
                }
                // The raw parameters are not shown either: the kind and time are in words.
                assert!(!field.contains(kind.as_str()) && !field.contains("2026-06-01T"));
            }
        }
    }
}

#[test]
fn the_html_part_escapes_everything() {
    let mut p = params(NoticeKind::PinChanged);
    p.insert("name".into(), "<script>alert('x')</script> & \"Co\"".into());
    let r = Renderer::new().render("account-change", Language::En, &p, &carrier()).unwrap();
    assert!(!r.html.contains("<script>"));
    assert!(r.html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;Co&quot;"));
    assert!(r.html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(r.html.contains("<p>Example Carrier<br>\nhttps://carrier.example</p>"));
    assert_eq!(escape("a<b>&'\""), "a&lt;b&gt;&amp;&#39;&quot;");
}

#[test]
fn errors_name_what_is_wrong() {
    let renderer = Renderer::new();
    let c = carrier();
    assert_eq!(
        renderer.render("breach", Language::En, &params(NoticeKind::PinChanged), &c),
        Err(RenderError::UnknownTemplate("breach".into()))
    );
    let mut p = params(NoticeKind::PinChanged);
    p.remove("name");
    assert!(matches!(
        renderer.render("account-change", Language::En, &p, &c),
        Err(RenderError::MissingParam { param: "name", .. })
    ));
    let mut p = params(NoticeKind::PinChanged);
    p.insert("change".into(), "favourite_colour_changed".into());
    assert!(matches!(
        renderer.render("account-change", Language::Es, &p, &c),
        Err(RenderError::InvalidParam { param: "change", .. })
    ));
    let mut p = params(NoticeKind::PinChanged);
    p.insert("changed_at".into(), "yesterday".into());
    let err = renderer.render("account-change", Language::Es, &p, &c).unwrap_err();
    assert!(matches!(err, RenderError::InvalidParam { param: "changed_at", .. }));
    assert!(!err.to_string().contains("yesterday"), "errors do not repeat values");
}

#[test]
fn missing_messages_and_variables_are_errors() {
    let broken = bundle(Language::En, "subject = Hi { $nobody }\nbody = x\n").unwrap();
    let mut errors = Vec::new();
    let pattern = broken.get_message("subject").and_then(|m| m.value()).unwrap();
    broken.format_pattern(pattern, Some(&FluentArgs::new()), &mut errors);
    assert_eq!(errors.len(), 1, "an unknown variable is reported by Fluent, so render fails on it");
    assert!(broken.get_message("sms").is_none());
}

#[test]
fn times_in_words() {
    let t = Utc.with_ymd_and_hms(2026, 1, 9, 1, 5, 0).unwrap();
    assert_eq!(date_time_in_words(t, Language::En), "January 9, 2026 at 1:05 AM UTC");
    assert_eq!(date_time_in_words(t, Language::Es), "9 de enero de 2026 a la 1:05 (UTC)");
    let t = Utc.with_ymd_and_hms(2026, 12, 31, 0, 30, 0).unwrap();
    assert_eq!(date_time_in_words(t, Language::En), "December 31, 2026 at 12:30 AM UTC");
    assert_eq!(date_time_in_words(t, Language::Es), "31 de diciembre de 2026 a las 0:30 (UTC)");
}
