use super::*;
use chrono::TimeZone;
use proptest::prelude::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 10, 15, 0, 0).unwrap()
}

fn account() -> AccountId {
    AccountId(Uuid::from_u128(7))
}

fn event(n: u128, scope: &str, kind: ConsentEventKind, at: DateTime<Utc>) -> ConsentEvent {
    ConsentEvent {
        id: Uuid::from_u128(n),
        account_id: account(),
        scope: scope.to_owned(),
        kind,
        at,
        channel: ConsentChannel::Api,
        recorded_by: "test".to_owned(),
        recorded_at: at,
        evidence: Evidence::default(),
        notice: None,
        refers_to: None,
        idempotency_key: None,
    }
}

fn notice(n: u128, at: DateTime<Utc>, medium: NoticeMedium) -> ConsentEvent {
    ConsentEvent {
        notice: Some(NoticeServed { version: "2026-01".to_owned(), medium }),
        channel: if medium == NoticeMedium::Mail { ConsentChannel::Letter } else { ConsentChannel::Email },
        ..event(n, CARRIER_MARKETING, ConsentEventKind::NoticeServed, at)
    }
}

fn scope(name: &str) -> ScopeDef {
    ConsentPolicy::default().scope(name).unwrap().clone()
}

fn state_at(events: &[ConsentEvent], name: &str, at: DateTime<Utc>) -> ScopeStatus {
    status(events, &scope(name), at, &ConsentPolicy::default())
}

#[test]
fn the_default_policy_is_valid_and_has_the_three_tiers() {
    let p = ConsentPolicy::default();
    p.validate().unwrap();
    assert_eq!(p.scope(CARRIER_MARKETING).unwrap().tier, ConsentTier::OptOut);
    assert_eq!(p.scope(PARTNER_SHARING).unwrap().tier, ConsentTier::OptIn);
    assert_eq!(p.scope(ONE_TIME).unwrap().tier, ConsentTier::OneTime);
    let short = ConsentPolicy { waiting_period_days: 29, ..ConsentPolicy::default() };
    assert!(short.validate().is_err());
}

#[test]
fn nothing_recorded_means_no_notice_and_no_use() {
    for s in ConsentPolicy::default().scopes {
        let st = status(&[], &s, t0(), &ConsentPolicy::default());
        assert_eq!(st.state, ApprovalState::NoNotice);
        assert!(!st.usable);
    }
}

#[test]
fn an_electronic_notice_approves_after_exactly_30_days() {
    let h = [notice(1, t0(), NoticeMedium::Electronic)];
    let before = state_at(&h, CARRIER_MARKETING, t0() + Duration::days(30) - Duration::microseconds(1));
    assert_eq!(before.state, ApprovalState::Waiting);
    assert_eq!(before.waiting_until, Some(t0() + Duration::days(30)));
    assert!(!before.usable);
    let after = state_at(&h, CARRIER_MARKETING, t0() + Duration::days(30));
    assert_eq!(after.state, ApprovalState::ApprovedByNotice);
    assert!(after.usable);
    assert_eq!(after.renotice_by, Some(Utc.with_ymd_and_hms(2028, 1, 10, 15, 0, 0).unwrap()));
}

#[test]
fn a_mailed_notice_counts_from_the_third_day_after_mailing() {
    let h = [notice(1, t0(), NoticeMedium::Mail)];
    assert_eq!(state_at(&h, CARRIER_MARKETING, t0() + Duration::days(32)).state, ApprovalState::Waiting);
    assert_eq!(state_at(&h, CARRIER_MARKETING, t0() + Duration::days(33)).state, ApprovalState::ApprovedByNotice);
}

#[test]
fn a_bounced_notice_does_not_count_until_served_another_way() {
    let mut bounce = event(2, CARRIER_MARKETING, ConsentEventKind::NoticeBounced, t0() + Duration::hours(1));
    bounce.refers_to = Some(Uuid::from_u128(1));
    let mut h = vec![notice(1, t0(), NoticeMedium::Electronic), bounce];
    assert_eq!(state_at(&h, CARRIER_MARKETING, t0() + Duration::days(40)).state, ApprovalState::NoNotice);
    // Before the bounce was known, the notice was waiting.
    assert_eq!(state_at(&h, CARRIER_MARKETING, t0() + Duration::minutes(5)).state, ApprovalState::Waiting);
    h.push(notice(3, t0() + Duration::days(2), NoticeMedium::Mail));
    assert_eq!(state_at(&h, CARRIER_MARKETING, t0() + Duration::days(34)).state, ApprovalState::Waiting);
    assert_eq!(state_at(&h, CARRIER_MARKETING, t0() + Duration::days(35)).state, ApprovalState::ApprovedByNotice);
}

#[test]
fn the_biennial_notice_is_due_after_two_years_plus_grace() {
    let p = ConsentPolicy::default();
    let h = [notice(1, t0(), NoticeMedium::Electronic)];
    let two_years = renotice_by(t0(), &p);
    let grace = Duration::days(p.renotice_grace_days.into());
    assert_eq!(
        state_at(&h, CARRIER_MARKETING, two_years + grace - Duration::seconds(1)).state,
        ApprovalState::ApprovedByNotice
    );
    let due = state_at(&h, CARRIER_MARKETING, two_years + grace);
    assert_eq!(due.state, ApprovalState::RenoticeDue);
    assert!(!due.usable);
    // A fresh notice: the earlier approval carries on while the new one waits.
    let mut h = h.to_vec();
    h.push(notice(2, two_years, NoticeMedium::Electronic));
    let renewed = state_at(&h, CARRIER_MARKETING, two_years + grace);
    assert_eq!(renewed.state, ApprovalState::ApprovedByNotice);
    assert_eq!(renewed.renotice_by, Some(renotice_by(two_years, &p)));
}

#[test]
fn an_opt_out_wins_over_notices_until_the_customer_opts_in() {
    let h = vec![
        notice(1, t0(), NoticeMedium::Electronic),
        event(2, CARRIER_MARKETING, ConsentEventKind::OptOut, t0() + Duration::days(40)),
        notice(3, t0() + Duration::days(400), NoticeMedium::Electronic),
    ];
    assert!(state_at(&h, CARRIER_MARKETING, t0() + Duration::days(39)).usable);
    let out = state_at(&h, CARRIER_MARKETING, t0() + Duration::days(500));
    assert_eq!(out.state, ApprovalState::OptedOut);
    assert_eq!(out.basis, Some(Uuid::from_u128(2)));
    assert!(!out.usable);
    let mut h = h;
    h.push(event(4, CARRIER_MARKETING, ConsentEventKind::OptIn, t0() + Duration::days(600)));
    assert_eq!(state_at(&h, CARRIER_MARKETING, t0() + Duration::days(600)).state, ApprovalState::OptedIn);
}

#[test]
fn partner_sharing_needs_an_opt_in_and_a_revocation_ends_it() {
    let h = vec![
        event(1, PARTNER_SHARING, ConsentEventKind::OptIn, t0()),
        event(2, PARTNER_SHARING, ConsentEventKind::Revocation, t0() + Duration::days(3)),
    ];
    assert_eq!(state_at(&h, PARTNER_SHARING, t0() - Duration::seconds(1)).state, ApprovalState::NoNotice);
    assert!(state_at(&h, PARTNER_SHARING, t0()).usable);
    let revoked = state_at(&h, PARTNER_SHARING, t0() + Duration::days(3));
    assert_eq!(revoked.state, ApprovalState::OptedOut);
    assert!(!revoked.usable);
}

#[test]
fn a_one_time_approval_covers_its_interaction_only() {
    let p = ConsentPolicy::default();
    let mut e = event(1, ONE_TIME, ConsentEventKind::OneTimeApproval, t0());
    e.evidence.interaction_id = Some("call-1".to_owned());
    let h = [e];
    let s = scope(ONE_TIME);
    assert!(may_use(&h, &s, t0() + Duration::minutes(10), Some("call-1"), &p));
    assert!(!may_use(&h, &s, t0() + Duration::minutes(10), Some("call-2"), &p));
    assert!(!may_use(&h, &s, t0() + Duration::minutes(10), None, &p));
    assert!(!may_use(&h, &s, t0() + Duration::minutes(p.one_time_max_minutes.into()), Some("call-1"), &p));
}

#[test]
fn events_are_validated_per_kind_and_tier() {
    let p = ConsentPolicy::default();
    assert!(event(1, "nope", ConsentEventKind::OptOut, t0()).validate(&p).is_err());
    assert!(event(1, CARRIER_MARKETING, ConsentEventKind::NoticeServed, t0()).validate(&p).is_err());
    assert!(event(1, ONE_TIME, ConsentEventKind::OneTimeApproval, t0()).validate(&p).is_err());
    assert!(event(1, ONE_TIME, ConsentEventKind::OptIn, t0()).validate(&p).is_err());
    assert!(notice(1, t0(), NoticeMedium::Mail).validate(&p).is_ok());
}

fn arb_event() -> impl Strategy<Value = ConsentEvent> {
    let kinds = prop_oneof![
        Just(ConsentEventKind::NoticeServed),
        Just(ConsentEventKind::NoticeBounced),
        Just(ConsentEventKind::OptOut),
        Just(ConsentEventKind::OptIn),
        Just(ConsentEventKind::Revocation),
    ];
    (1u128..1_000_000, kinds, 0i64..(800 * 24), any::<bool>(), 0u128..20).prop_map(|(id, kind, hours, mail, target)| {
        let at = t0() + Duration::hours(hours);
        let mut e = if kind == ConsentEventKind::NoticeServed {
            notice(id, at, if mail { NoticeMedium::Mail } else { NoticeMedium::Electronic })
        } else {
            event(id, CARRIER_MARKETING, kind, at)
        };
        if kind == ConsentEventKind::NoticeBounced {
            e.refers_to = Some(Uuid::from_u128(target));
        }
        e
    })
}

proptest! {
    /// The order events are given in never matters.
    #[test]
    fn any_order_of_the_same_history_gives_the_same_status(
        events in prop::collection::vec(arb_event(), 0..12),
        seed in any::<u64>(),
        hours in 0i64..(900 * 24),
    ) {
        let at = t0() + Duration::hours(hours);
        let mut shuffled = events.clone();
        // A deterministic permutation from the seed.
        let n = shuffled.len();
        for i in (1..n).rev() {
            let j = (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        prop_assert_eq!(state_at(&events, CARRIER_MARKETING, at), state_at(&shuffled, CARRIER_MARKETING, at));
    }

    /// The last choice decides; with none, only a notice whose waiting period is over
    /// (and no older than two years plus grace) makes the scope usable.
    #[test]
    fn usable_only_with_an_opt_in_or_an_elapsed_unbounced_fresh_notice(
        events in prop::collection::vec(arb_event(), 0..12),
        hours in 0i64..(900 * 24),
    ) {
        let p = ConsentPolicy::default();
        let at = t0() + Duration::hours(hours);
        let s = state_at(&events, CARRIER_MARKETING, at);
        let mut known: Vec<&ConsentEvent> = events.iter().filter(|e| e.at <= at).collect();
        known.sort_by_key(|e| (e.at, e.id));
        let choice = known.iter().rev().find(|e| matches!(e.kind,
            ConsentEventKind::OptOut | ConsentEventKind::OptIn | ConsentEventKind::Revocation));
        match choice {
            Some(c) => prop_assert_eq!(s.usable, c.kind == ConsentEventKind::OptIn),
            None => {
                let bounced: Vec<Uuid> = known.iter().filter(|e| e.kind == ConsentEventKind::NoticeBounced)
                    .filter_map(|e| e.refers_to).collect();
                let good: Vec<&&ConsentEvent> = known.iter()
                    .filter(|e| e.kind == ConsentEventKind::NoticeServed && !bounced.contains(&e.id)).collect();
                let fresh = good.last().is_some_and(|l| at < renotice_by(l.at, &p) + Duration::days(30));
                let elapsed = good.iter().any(|n| waiting_ends(n.at, n.notice.as_ref().unwrap().medium, &p) <= at);
                prop_assert_eq!(s.usable, fresh && elapsed);
                if s.state == ApprovalState::Waiting {
                    prop_assert!(s.waiting_until.unwrap() > at);
                }
            }
        }
    }

    /// Time travel around the 30/33-day boundaries: one microsecond before the end of
    /// the waiting period is waiting, the end itself is approved.
    #[test]
    fn waiting_period_boundaries(day in 0i64..700, mail in any::<bool>()) {
        let medium = if mail { NoticeMedium::Mail } else { NoticeMedium::Electronic };
        let sent = t0() + Duration::days(day);
        let h = [notice(1, sent, medium)];
        let end = sent + Duration::days(if mail { 33 } else { 30 });
        prop_assert_eq!(state_at(&h, CARRIER_MARKETING, end - Duration::microseconds(1)).state, ApprovalState::Waiting);
        prop_assert_eq!(state_at(&h, CARRIER_MARKETING, end).state, ApprovalState::ApprovedByNotice);
        prop_assert_eq!(state_at(&h, CARRIER_MARKETING, sent - Duration::microseconds(1)).state, ApprovalState::NoNotice);
    }

    /// An opt-out recorded at any time makes the scope unusable from then on, whatever
    /// notices follow, until an opt-in.
    #[test]
    fn an_opt_out_holds_until_an_opt_in(events in prop::collection::vec(arb_event(), 0..10), hours in 0i64..(800 * 24)) {
        let out_at = t0() + Duration::hours(hours);
        let mut h: Vec<ConsentEvent> = events.into_iter()
            .filter(|e| !matches!(e.kind, ConsentEventKind::OptIn)).collect();
        h.push(event(2_000_000, CARRIER_MARKETING, ConsentEventKind::OptOut, out_at));
        for later in [0, 1, 24 * 31, 24 * 800] {
            let s = state_at(&h, CARRIER_MARKETING, out_at + Duration::hours(later));
            prop_assert!(!s.usable);
        }
    }
}

/// Events at whole microseconds (what the store keeps) from 2023 to 2030, so leap
/// days and month ends come up.
fn arb_micros_time() -> impl Strategy<Value = DateTime<Utc>> {
    let start = Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap().timestamp_micros();
    let end = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap().timestamp_micros();
    (start..end).prop_map(|m| DateTime::from_timestamp_micros(m).unwrap())
}

proptest! {
    /// Each time rule of `status` and its restatement as a bound on the event's time
    /// agree, for any policy and any event time near the boundaries (month ends, leap
    /// days, the time of day), with `at` carrying nanoseconds the store does not keep.
    #[test]
    fn time_bounds_agree_with_the_rules(
        event_at in arb_micros_time(),
        renotice_months in 1u32..=24,
        grace in 0u32..60,
        waiting in 30u32..60,
        extra in 3u32..10,
        one_time in 1u32..600,
        offset_days in -5i64..5,
        offset_nanos in 0i64..(86_400 * 1_000_000_000),
        pick in 0u8..4,
    ) {
        let p = ConsentPolicy {
            renotice_months, renotice_grace_days: grace, waiting_period_days: waiting,
            mailed_notice_extra_days: extra, one_time_max_minutes: one_time, ..ConsentPolicy::default()
        };
        // `at` a few days around the boundary the case looks at.
        let boundary = match pick {
            0 => renotice_by(event_at, &p) + Duration::days(grace.into()),
            1 => waiting_ends(event_at, NoticeMedium::Electronic, &p),
            2 => waiting_ends(event_at, NoticeMedium::Mail, &p),
            _ => event_at + Duration::minutes(one_time.into()),
        };
        let day = boundary.date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
        let at = day + Duration::days(offset_days) + Duration::nanoseconds(offset_nanos);
        let b = TimeBounds::new(&p, at);
        prop_assert_eq!(b.at, at);
        prop_assert_eq!(
            b.renotice_due(event_at),
            at >= renotice_by(event_at, &p) + Duration::days(grace.into()),
            "renotice at {} for {}", at, event_at
        );
        prop_assert_eq!(event_at <= b.electronic_waited, waiting_ends(event_at, NoticeMedium::Electronic, &p) <= at);
        prop_assert_eq!(event_at <= b.mail_waited, waiting_ends(event_at, NoticeMedium::Mail, &p) <= at);
        prop_assert_eq!(event_at > b.one_time_after, at < event_at + Duration::minutes(one_time.into()));
    }
}

/// Adding 24 months clamps 29 February onto 28 February: both days' notices come due
/// on the same date, each from its own time of day.
#[test]
fn notices_of_28_and_29_february_come_due_on_the_same_day() {
    let p = ConsentPolicy { renotice_grace_days: 0, ..ConsentPolicy::default() };
    let at = Utc.with_ymd_and_hms(2026, 2, 28, 12, 0, 0).unwrap();
    let b = TimeBounds::new(&p, at);
    let on = |d: u32, h: u32| Utc.with_ymd_and_hms(2024, 2, d, h, 0, 0).unwrap();
    assert!(b.renotice_due(on(27, 23)));
    assert!(b.renotice_due(on(28, 12)) && !b.renotice_due(on(28, 13)));
    assert!(b.renotice_due(on(29, 12)) && !b.renotice_due(on(29, 13)));
    assert!(!b.renotice_due(Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap()));
}
