use super::*;
use chrono::TimeZone;

fn facts() -> KnownFacts {
    KnownFacts {
        account_number: "ACCT-90817263".to_owned(),
        telephone_numbers: vec!["+18015550400".to_owned()],
        zips: vec!["84601".to_owned()],
        date_of_birth: NaiveDate::from_ymd_opt(1980, 7, 14),
        tax_id_last4: Some("6789".to_owned()),
    }
}

fn pin(s: &str) -> Result<(), ValidationError> {
    validate_secret(SecretKind::Pin, &Secret::new(s), &facts())
}

#[test]
fn trivial_pins_are_refused_with_a_reason() {
    for p in ["1234", "0000", "9999", "4321", "12345678", "3456"] {
        let e = pin(p).unwrap_err();
        assert!(e.reason.contains("easy to guess"), "{p}: {e}");
    }
    for p in ["123", "123456789", "12a4", ""] {
        assert!(pin(p).unwrap_err().reason.contains("4 to 8 digits"), "{p}");
    }
    assert!(pin("2718").is_ok());
    assert!(pin("27182818").is_ok());
}

#[test]
fn biographical_and_account_information_is_refused() {
    assert!(pin("9081").unwrap_err().reason.contains("account number"), "a run of the account number");
    assert!(pin("817263").unwrap_err().reason.contains("account number"));
    assert!(pin("0400").unwrap_err().reason.contains("telephone"));
    assert!(pin("5550").unwrap_err().reason.contains("telephone"));
    assert!(pin("84601").unwrap_err().reason.contains("ZIP"));
    assert!(pin("0714").unwrap_err().reason.contains("birth"));
    assert!(pin("1980").unwrap_err().reason.contains("birth"));
    assert!(pin("6789").is_err());
    let pw = |s: &str| validate_secret(SecretKind::Password, &Secret::new(s), &facts());
    assert!(pw("acct-90817263!").unwrap_err().reason.contains("account number"));
    assert!(pw("my phone 8015550400").is_err());
    assert!(pw("short").unwrap_err().reason.contains("8 to 128"));
    assert!(pw("correct horse battery staple").is_ok());
    let e = pw("acct-90817263!").unwrap_err();
    assert!(!e.to_string().contains("90817263!"), "the error never repeats the secret");
}

#[test]
fn secrets_never_show_in_debug() {
    let s = Secret::new("hunter2hunter2");
    assert!(!format!("{s:?}").contains("hunter2"));
}

#[test]
fn expired_photo_ids_are_refused() {
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let id = |expires_on| PhotoId {
        id_type: "drivers_license".into(),
        last4: "A123".into(),
        expires_on,
        name_matched: true,
    };
    assert!(id(NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()).validate(today).is_ok());
    let e = id(NaiveDate::from_ymd_opt(2026, 5, 31).unwrap()).validate(today).unwrap_err();
    assert!(e.reason.contains("expired"));
}

use EvidenceKind::*;
use InteractionChannel::*;

#[test]
fn phone_call_detail_only_with_the_password_or_a_call_back() {
    let s = what_proof_opens(Phone, &[PasswordVerified], false);
    assert_eq!((s.call_detail, s.other_cpni), (CallDetailAccess::Open, true));
    let s = what_proof_opens(Phone, &[PinVerified], false);
    assert_eq!((s.authenticated, s.call_detail, s.other_cpni), (true, CallDetailAccess::DeliveryOnly, true));
    let s = what_proof_opens(Phone, &[BackupAnswerVerified], false);
    assert_eq!((s.call_detail, s.other_cpni), (CallDetailAccess::DeliveryOnly, true));
    let s = what_proof_opens(Phone, &[CallBackCompleted], false);
    assert_eq!(s.call_detail, CallDetailAccess::Open);
    let s = what_proof_opens(Phone, &[], false);
    assert_eq!((s.authenticated, s.call_detail, s.other_cpni), (false, CallDetailAccess::DeliveryOnly, false));
    let s = what_proof_opens(Phone, &[PhotoIdChecked], false);
    assert!(!s.authenticated, "a photo ID means nothing over the phone");
}

#[test]
fn volunteered_details_open_only_those() {
    let s = what_proof_opens(Phone, &[VolunteeredCallDetails], false);
    assert_eq!((s.authenticated, s.call_detail, s.other_cpni), (false, CallDetailAccess::VolunteeredOnly, false));
    let s = what_proof_opens(Phone, &[VolunteeredCallDetails, PinVerified], false);
    assert_eq!((s.call_detail, s.other_cpni), (CallDetailAccess::VolunteeredOnly, true));
}

#[test]
fn in_store_needs_a_photo_id_and_online_the_password() {
    assert!(what_proof_opens(InStore, &[PhotoIdChecked], false).authenticated);
    assert!(!what_proof_opens(InStore, &[PinVerified], false).authenticated);
    assert!(what_proof_opens(Online, &[PasswordVerified], false).authenticated);
    assert!(!what_proof_opens(Online, &[PinVerified], false).authenticated);
    assert!(what_proof_opens(Chat, &[PasswordVerified], false).authenticated);
}

#[test]
fn contract_authentication_only_for_business_exempt_accounts() {
    assert_eq!(what_proof_opens(Phone, &[AuthenticatedUnderContract], true).call_detail, CallDetailAccess::Open);
    assert!(!what_proof_opens(Phone, &[AuthenticatedUnderContract], false).authenticated);
}

#[test]
fn five_failures_in_the_window_lock_and_old_failures_expire() {
    let p = LockoutPolicy::default();
    let t0 = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
    let mut s = LockState::default();
    for i in 0..4 {
        s = p.after_failure(s, t0 + Duration::minutes(i));
        assert!(!s.is_locked(t0 + Duration::minutes(i)));
    }
    s = p.after_failure(s, t0 + Duration::minutes(4));
    assert!(s.is_locked(t0 + Duration::minutes(5)));
    assert!(s.is_locked(t0 + Duration::minutes(33)));
    assert!(!s.is_locked(t0 + Duration::minutes(35)));

    let mut s = LockState::default();
    for i in 0..4 {
        s = p.after_failure(s, t0 + Duration::minutes(i));
    }
    s = p.after_failure(s, t0 + Duration::minutes(20));
    assert_eq!(s.failures, 1, "a failure after the window starts a new one");
    assert!(!s.is_locked(t0 + Duration::minutes(20)));
}

#[test]
fn delays_grow_and_are_capped() {
    let p = LockoutPolicy::default();
    assert_eq!(p.delay(1), std::time::Duration::ZERO);
    assert_eq!(p.delay(2), std::time::Duration::from_millis(100));
    assert_eq!(p.delay(3), std::time::Duration::from_millis(200));
    assert_eq!(p.delay(30), std::time::Duration::from_secs(2));
}

#[test]
fn after_the_password_and_the_back_up_answer_both_fail_only_recovery_remains() {
    use EvidenceKind::*;
    assert!(!only_recovery_remains(&[]));
    assert!(!only_recovery_remains(&[PasswordFailed]));
    assert!(!only_recovery_remains(&[BackupAnswerFailed, PinFailed]));
    assert!(!only_recovery_remains(&[PasswordFailed, PinFailed, PinFailed]));
    assert!(only_recovery_remains(&[PasswordFailed, BackupAnswerFailed]));
    assert!(only_recovery_remains(&[BackupAnswerFailed, PinVerified, PasswordFailed]));
    for k in [SecretKind::Password, SecretKind::Pin, SecretKind::BackupAnswer] {
        assert_ne!(k.failure_evidence(), k.evidence());
        assert_eq!(EvidenceKind::parse(k.failure_evidence().as_str()), Some(k.failure_evidence()));
    }
}

#[test]
fn failed_checks_open_nothing() {
    use EvidenceKind::*;
    for channel in
        [InteractionChannel::Phone, InteractionChannel::Online, InteractionChannel::InStore, InteractionChannel::Chat]
    {
        let s = what_proof_opens(channel, &[PasswordFailed, PinFailed, BackupAnswerFailed], true);
        assert!(!s.authenticated && !s.other_cpni && !s.may_set_secrets, "{channel:?}");
        assert_eq!(s.call_detail, CallDetailAccess::DeliveryOnly);
    }
}

#[test]
fn an_id_whose_name_does_not_match_does_not_authenticate() {
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let id = PhotoId {
        id_type: "passport".into(),
        last4: "Z999".into(),
        expires_on: NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
        name_matched: false,
    };
    assert_eq!(id.validate(today).unwrap_err().field, "name_matched");
}

#[test]
fn authentication_rests_on_attestation_only_without_a_proof_of_the_customers_own() {
    assert_eq!(rests_on_attestation(&[(PhotoIdChecked, true)]), Some(PhotoIdChecked));
    assert_eq!(rests_on_attestation(&[(PinFailed, false), (CallBackCompleted, true)]), Some(CallBackCompleted));
    assert_eq!(rests_on_attestation(&[(CallBackCompleted, true), (PasswordVerified, false)]), None);
    assert_eq!(rests_on_attestation(&[(CallBackCompleted, false)]), None, "confirmed by the telephony platform");
    assert_eq!(rests_on_attestation(&[(PinVerified, false)]), None);
}
