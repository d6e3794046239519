//! The bulk approval status the database decides (one statement over many accounts)
//! against the pure rule, `cpniguard_core::consent::status`, on random histories.
//!
//! The histories mix every kind of event in every scope, at instants that often tie
//! (same hour, same microsecond), bounces that refer to the account's own notices or
//! to other events, notices without a medium, and a policy whose numbers vary, so the
//! month-end and leap-day rules of the biennial notice come up; the instants the
//! status is asked at are random and on the rules' boundaries (to the microsecond).

use super::fixtures::new_account;
use crate::consent::ConsentChange;
use crate::{AccountLoad, Store};
use chrono::{DateTime, Duration, TimeZone, Utc};
use cpniguard_core::consent::{
    ConsentChannel, ConsentEvent, ConsentEventKind, ConsentPolicy, Evidence, NoticeMedium, NoticeServed, renotice_by,
    status, waiting_ends,
};
use cpniguard_core::ids::AccountId;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use uuid::Uuid;

/// Random histories written per run, each of up to `ACCOUNTS` accounts.
const CASES: u32 = 12;
const ACCOUNTS: usize = 40;

/// Shortly before the leap day of 2024: biennial dates land on 28 February 2026.
fn origin() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 20, 9, 30, 0).unwrap()
}

/// One event, before its ids and account are known: (scope, kind, offset in µs,
/// medium 0 none / 1 electronic / 2 mail, bounce target index, one-time interaction).
type Draft = (usize, usize, i64, u8, usize);

const SCOPES: [&str; 3] = ["carrier_marketing", "partner_sharing", "one_time"];
const KINDS: [ConsentEventKind; 6] = [
    ConsentEventKind::NoticeServed,
    ConsentEventKind::NoticeBounced,
    ConsentEventKind::OptOut,
    ConsentEventKind::OptIn,
    ConsentEventKind::Revocation,
    ConsentEventKind::OneTimeApproval,
];

fn arb_draft() -> impl Strategy<Value = Draft> {
    // Offsets on a coarse grid (hours, then days) so that events tie, plus a few µs.
    let offset = prop_oneof![
        (0i64..900 * 24).prop_map(|h| h * 3_600_000_000),
        (0i64..900).prop_map(|d| d * 86_400_000_000),
        (0i64..900 * 24, 0i64..3).prop_map(|(h, us)| h * 3_600_000_000 + us),
    ];
    // Mostly the opt-out tier scope and notices, where most rules are.
    let scope = prop_oneof![6 => Just(0usize), 2 => Just(1usize), 2 => Just(2usize)];
    let kind = prop_oneof![5 => Just(0usize), 2 => Just(1usize), 1 => 2usize..6];
    (scope, kind, offset, prop_oneof![1 => Just(0u8), 4 => Just(1u8), 3 => Just(2u8)], 0usize..12)
}

fn arb_policy() -> impl Strategy<Value = ConsentPolicy> {
    (1u32..=24, 0u32..45, 30u32..40, 3u32..6, 1u32..300).prop_map(|(months, grace, waiting, extra, minutes)| {
        ConsentPolicy {
            renotice_months: months,
            renotice_grace_days: grace,
            waiting_period_days: waiting,
            mailed_notice_extra_days: extra,
            one_time_max_minutes: minutes,
            ..ConsentPolicy::default()
        }
    })
}

fn arb_case() -> impl Strategy<Value = (Vec<Vec<Draft>>, ConsentPolicy, Vec<i64>)> {
    (
        prop::collection::vec(prop::collection::vec(arb_draft(), 0..10), ACCOUNTS),
        prop_oneof![1 => Just(ConsentPolicy::default()), 2 => arb_policy()],
        prop::collection::vec(0i64..1_100 * 86_400_000_000, 3),
    )
}

fn micros(us: i64) -> DateTime<Utc> {
    origin() + Duration::microseconds(us)
}

/// The events of one account from its drafts, with fresh ids (random, so ties at one
/// instant are taken in an order unrelated to the order they were drafted in).
fn history(account: AccountId, drafts: &[Draft]) -> Vec<ConsentEvent> {
    let ids: Vec<Uuid> = drafts.iter().map(|_| Uuid::new_v4()).collect();
    drafts
        .iter()
        .zip(&ids)
        .map(|(&(scope, kind, offset, medium, target), &id)| {
            let kind = KINDS[kind];
            let at = micros(offset);
            let notice = (kind == ConsentEventKind::NoticeServed && medium > 0).then(|| NoticeServed {
                version: "v1".to_owned(),
                medium: if medium == 1 { NoticeMedium::Electronic } else { NoticeMedium::Mail },
            });
            // A bounce refers to one of the account's own events, or to nothing stored.
            let refers_to = (kind == ConsentEventKind::NoticeBounced)
                .then(|| ids.get(target).copied().unwrap_or_else(Uuid::new_v4));
            ConsentEvent {
                id,
                account_id: account,
                scope: SCOPES[scope].to_owned(),
                kind,
                at,
                channel: ConsentChannel::Api,
                recorded_by: "proptest".to_owned(),
                recorded_at: at,
                evidence: Evidence { interaction_id: Some(format!("call-{target}")), ..Evidence::default() },
                notice,
                refers_to,
                idempotency_key: None,
            }
        })
        .collect()
}

/// The instants to ask at: random ones, and each event's rule boundaries, on and one
/// microsecond before them.
fn instants(histories: &[Vec<ConsentEvent>], policy: &ConsentPolicy, random: &[i64]) -> Vec<DateTime<Utc>> {
    let mut out: Vec<DateTime<Utc>> = random.iter().map(|&us| micros(us) + Duration::nanoseconds(us % 1000)).collect();
    let events: Vec<&ConsentEvent> = histories.iter().flatten().collect();
    for (i, e) in events.iter().enumerate().step_by(7).take(6) {
        let edge = match i % 4 {
            0 => renotice_by(e.at, policy) + Duration::days(policy.renotice_grace_days.into()),
            1 => waiting_ends(e.at, NoticeMedium::Electronic, policy),
            2 => waiting_ends(e.at, NoticeMedium::Mail, policy),
            _ => e.at + Duration::minutes(policy.one_time_max_minutes.into()),
        };
        out.extend([edge, edge - Duration::microseconds(1)]);
    }
    out
}

pub async fn consent_bulk_approval_agrees_with_status_on_random_histories(store: &dyn Store) {
    let mut runner = TestRunner::new(Config { cases: CASES, ..Config::default() });
    for case in 0..CASES {
        let (drafts, policy, random) = arb_case().new_tree(&mut runner).unwrap().current();
        let loads: Vec<AccountLoad> = (0..ACCOUNTS)
            .map(|i| AccountLoad {
                id: AccountId::new(),
                new: new_account(
                    &format!("PB-{case}-{i}"),
                    "Random History",
                    &[&format!("+1801555{:04}", case * 100 + i as u32)],
                ),
                opened_at: origin(),
                services: Vec::new(),
                contact_since: Vec::new(),
            })
            .collect();
        store.load_accounts(&loads).await.unwrap();
        let histories: Vec<Vec<ConsentEvent>> = loads.iter().zip(&drafts).map(|(a, d)| history(a.id, d)).collect();
        let change = ConsentChange { events: histories.concat(), ..ConsentChange::default() };
        store.record_consent(&change, origin()).await.unwrap();
        let ours: Vec<AccountId> = loads.iter().map(|a| a.id).collect();
        for at in instants(&histories, &policy, &random) {
            for scope in &policy.scopes {
                let all = store.bulk_approval(scope, &policy, at, None).await.unwrap();
                let some = store.bulk_approval(scope, &policy, at, Some(&ours)).await.unwrap();
                assert!(all.windows(2).all(|w| w[0].account_id < w[1].account_id), "ordered by account");
                assert_eq!(some.len(), ours.len());
                for (account, history) in ours.iter().zip(&histories) {
                    let want = status(history, scope, at, &policy);
                    let want = (want.state, want.usable, want.basis);
                    let in_all = all.iter().find(|a| a.account_id == *account).expect("every account is listed");
                    let in_some = some.iter().find(|a| a.account_id == *account).expect("every audience member");
                    let context =
                        || format!("case {case}, scope {}, at {at}, {policy:?}, history {history:#?}", scope.name);
                    assert_eq!((in_all.state, in_all.usable, in_all.basis), want, "{}", context());
                    assert_eq!(in_some, in_all, "{}", context());
                }
            }
        }
    }
}
