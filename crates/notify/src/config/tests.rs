use super::*;
use cpniguard_core::notice::{Channel, NoticeKind};
use std::collections::BTreeSet;

/// How the server embeds the section.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Root {
    notices: NotifyConfig,
}

fn parse(text: &str) -> Result<NotifyConfig, toml::de::Error> {
    toml::from_str::<Root>(text).map(|r| r.notices)
}

#[test]
fn the_printed_default_is_the_default_and_valid() {
    let parsed = parse(NotifyConfig::default_toml()).unwrap();
    assert_eq!(parsed, NotifyConfig::default());
    parsed.validate().unwrap();
}

/// Every key the defaults have is written out (options are shown commented out).
#[test]
fn the_printed_default_shows_every_key() {
    fn keys(prefix: &str, value: &toml::Value, out: &mut BTreeSet<String>) {
        if let toml::Value::Table(table) = value {
            for (k, v) in table {
                let path = format!("{prefix}.{k}");
                keys(&path, v, out);
                out.insert(path);
            }
        }
    }
    let mut printed = BTreeSet::new();
    keys("", &toml::from_str(NotifyConfig::default_toml()).unwrap(), &mut printed);
    let mut defaults = BTreeSet::new();
    keys(".notices", &toml::Value::try_from(NotifyConfig::default()).unwrap(), &mut defaults);
    defaults.insert(".notices".to_owned());
    assert_eq!(printed, defaults);
    let text = NotifyConfig::default_toml();
    for optional in ["# username =", "# password =", "# from_name =", "# auth_value ="] {
        assert!(text.contains(optional), "{optional} is documented");
    }
}

#[test]
fn unknown_keys_are_rejected() {
    let err = parse("[notices.email]\nenabeld = true\n").unwrap_err().to_string();
    assert!(err.contains("enabeld"), "{err}");
    assert!(parse("[notices.sms]\nenabled = true\n").is_err());
}

#[test]
fn secrets_are_redacted_in_debug_output_and_accept_digits() {
    let c = parse(
        "[notices.email]\nusername = \"u\"\npassword = \"hunter2-secret\"\n[notices.webhook]\nauth_value = 12345678\n",
    )
    .unwrap();
    let debug = format!("{c:?}");
    assert!(!debug.contains("hunter2-secret") && !debug.contains("12345678"), "{debug}");
    assert!(debug.contains("<redacted>"));
    assert_eq!(c.email.password.as_ref().map(Secret::expose), Some("hunter2-secret"));
    assert_eq!(c.webhook.auth_value.as_ref().map(Secret::expose), Some("12345678"));
}

#[test]
fn routing_is_read_per_event() {
    let c = parse(
        "[notices.routing]\ndefault_channels = [\"postal\"]\n[notices.routing.per_event]\npin_changed = [\"voice\"]\n",
    )
    .unwrap();
    assert_eq!(c.routing.channels_for(NoticeKind::PinChanged), &[Channel::Voice]);
    assert_eq!(c.routing.channels_for(NoticeKind::PasswordChanged), &[Channel::Postal]);
}

#[test]
fn validation() {
    let with = |edit: fn(&mut NotifyConfig)| {
        let mut c = NotifyConfig::default();
        edit(&mut c);
        c.validate().map_err(|e| e.key)
    };
    assert_eq!(
        with(|c| {
            c.email.enabled = true;
            c.email.from_address = "not an address".into();
        }),
        Err("email.from_address")
    );
    assert_eq!(with(|c| c.email.enabled = true), Ok(()));
    assert_eq!(with(|c| c.webhook.enabled = true), Err("webhook.url"));
    assert_eq!(
        with(|c| {
            c.webhook.enabled = true;
            c.webhook.url = "ftp://gateway.example/x".into();
        }),
        Err("webhook.url")
    );
    assert_eq!(
        with(|c| {
            c.webhook.enabled = true;
            c.webhook.url = "https://gateway.example/notices".into();
        }),
        Ok(())
    );
    assert_eq!(with(|c| c.worker.concurrency = 0), Err("worker.concurrency"));
    assert_eq!(
        with(|c| {
            c.email.enabled = true;
            c.worker.lease_secs = 30;
        }),
        Err("worker.lease_secs")
    );
    assert_eq!(
        with(|c| {
            c.email.enabled = true;
            c.email.username = Some("u".into());
        }),
        Err("email.username")
    );
}

#[test]
fn channels_routed_but_disabled_are_named() {
    let mut c = NotifyConfig::default();
    assert_eq!(c.routed_but_disabled(), vec![Channel::Email, Channel::Sms, Channel::Postal]);
    c.email.enabled = true;
    c.routing.postal_when_no_email = false;
    c.routing.per_event.insert(NoticeKind::PinChanged, vec![Channel::Voice]);
    assert_eq!(c.routed_but_disabled(), vec![Channel::Sms, Channel::Voice]);
}
