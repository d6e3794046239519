//! Properties of the generated data. Many checks run over one shared set of 2,000
//! accounts (with fewer calls each, to keep debug builds quick).

use super::*;
use chrono::{Duration, NaiveTime, Timelike};
use cpniguard_core::account::{AccountKind, AccountStatus, DirectoryListing, Language};
use cpniguard_core::contact::{ContactPoint, plan_contact_change};
use cpniguard_core::cpni::{CallType, Direction, LineCategory};
use cpniguard_core::money::Cents;
use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

fn now() -> DateTime<Utc> {
    // Just after the US clocks moved forward, so a partial month spans the change.
    "2025-03-10T15:30:00Z".parse().unwrap()
}

const SHARED_ACCOUNTS: u32 = 2_000;

fn shared_spec() -> DemoSpec {
    DemoSpec { calls_per_month: 20, ..DemoSpec::new(SHARED_ACCOUNTS, 42, now()) }
}

static SHARED: LazyLock<Vec<DemoAccount>> =
    LazyLock::new(|| (0..SHARED_ACCOUNTS).map(|i| generate_account(&shared_spec(), i)).collect());

fn share(pred: impl Fn(&DemoAccount) -> bool) -> f64 {
    SHARED.iter().filter(|a| pred(a)).count() as f64 / SHARED.len() as f64
}

fn tz(account: &DemoAccount) -> chrono_tz::Tz {
    account.new_account.profile.time_zone.tz()
}

#[test]
fn the_same_seed_gives_the_same_accounts() {
    let spec = DemoSpec::new(100, 7, now());
    for index in [0, 1, 17, 99] {
        assert_eq!(generate_account(&spec, index), generate_account(&spec, index));
    }
}

#[test]
fn another_seed_gives_other_accounts() {
    let (a, b) = (DemoSpec::new(100, 7, now()), DemoSpec::new(100, 8, now()));
    let same = (0..50).filter(|&i| generate_account(&a, i).new_account == generate_account(&b, i).new_account).count();
    assert_eq!(same, 0);
    // Account numbers are stable per index whatever the seed.
    assert_eq!(generate_account(&a, 4).new_account.profile.account_number.as_str(), "CT-0000005");
}

#[test]
fn every_record_passes_validation() {
    for account in SHARED.iter() {
        account.new_account.validate().unwrap();
        assert!(account.services.iter().all(|s| s.account_id == account.id));
        account.services.iter().for_each(|s| s.validate().unwrap());
        for call in &account.calls {
            call.validate().unwrap();
            assert_eq!(call.account_id, account.id);
        }
        for invoice in &account.invoices {
            invoice.validate().unwrap();
            assert_eq!(invoice.account_id, account.id);
        }
    }
}

#[test]
fn recent_contact_changes_change_something_and_are_not_yet_of_record() {
    let changed: Vec<_> = SHARED.iter().filter(|a| a.recent_contact_change.is_some()).collect();
    let share = changed.len() as f64 / SHARED.len() as f64;
    assert!((0.015..0.05).contains(&share), "{share}");
    for account in changed {
        let (at, change) = account.recent_contact_change.as_ref().unwrap();
        assert!(now() - *at >= Duration::days(1) && now() - *at < Duration::days(30));
        let current: Vec<_> = account
            .new_account
            .initial_contact_points()
            .into_iter()
            .map(|value| ContactPoint { value, associated_at: account.opened_at, dissociated_at: None })
            .collect();
        assert!(!plan_contact_change(&current, change).unwrap().is_empty());
    }
}

#[test]
fn telephone_numbers_are_unique_across_accounts() {
    let mut seen = HashSet::new();
    for account in SHARED.iter() {
        for number in &account.new_account.telephone_numbers {
            assert!(seen.insert(number.clone()), "{number} given twice");
        }
    }
}

#[test]
fn account_numbers_are_the_numbered_services() {
    for account in SHARED.iter() {
        let numbers: HashSet<_> = account.new_account.telephone_numbers.iter().collect();
        let services: Vec<_> = account.services.iter().filter_map(|s| s.service_number.as_ref()).collect();
        assert_eq!(services.len(), numbers.len());
        assert_eq!(services.into_iter().collect::<HashSet<_>>(), numbers);
        assert!(account.calls.iter().all(|c| numbers.contains(&c.service_number)));
    }
}

#[test]
fn the_customer_mix_is_as_designed() {
    let profile = |a: &DemoAccount| a.new_account.profile.clone();
    let business = share(|a| profile(a).kind == AccountKind::Business);
    let spanish = share(|a| profile(a).language == Language::Es);
    let email = share(|a| a.new_account.email.is_some());
    let unlisted = share(|a| profile(a).directory_listing == DirectoryListing::Unlisted);
    let non_published = share(|a| profile(a).directory_listing == DirectoryListing::NonPublished);
    let active = share(|a| profile(a).status == AccountStatus::Active);
    let frozen = share(|a| profile(a).pic_freeze.any());
    let exempt = SHARED.iter().filter(|a| profile(a).business_exemption.is_some()).count();
    assert!((0.17..0.23).contains(&business), "business {business}");
    assert!((0.27..0.33).contains(&spanish), "spanish {spanish}");
    assert!((0.82..0.88).contains(&email), "email {email}");
    assert!((0.12..0.18).contains(&unlisted), "unlisted {unlisted}");
    assert!((0.07..0.13).contains(&non_published), "non-published {non_published}");
    assert!((0.92..0.98).contains(&active), "active {active}");
    assert!((0.03..0.07).contains(&frozen), "PIC freeze {frozen}");
    assert!((2..=40).contains(&exempt), "exempt {exempt}");
    let zones: HashSet<_> = SHARED.iter().map(|a| profile(a).time_zone.as_str().to_owned()).collect();
    assert!(zones.len() >= 6, "{zones:?}");
}

#[test]
fn accounts_opened_long_enough_ago() {
    for account in SHARED.iter() {
        let age = now() - account.opened_at;
        assert!(age >= Duration::days(7 * 30) && age <= Duration::days(61 * 31), "{age}");
    }
}

#[test]
fn services_fit_the_kind_of_account() {
    for account in SHARED.iter() {
        let types: Vec<_> = account.services.iter().map(|s| s.service_type.as_str()).collect();
        if account.new_account.profile.kind == AccountKind::Business {
            assert!(types.iter().all(|t| ["ucaas_seat", "sip_trunk", "toll_free"].contains(t)), "{types:?}");
            let seats: u32 =
                account.services.iter().filter(|s| s.service_type == "ucaas_seat").map(|s| s.quantity).sum();
            assert!(seats == 0 || (5..=200).contains(&seats), "{seats}");
        } else {
            let lines = types.iter().filter(|t| ["voip_line", "local_line"].contains(t)).count();
            assert!((1..=2).contains(&lines), "{types:?}");
        }
        assert!(account.services.iter().all(|s| s.monthly_rate > Cents::ZERO && s.configuration.is_object()));
    }
}

#[test]
fn calls_fall_in_the_demo_months_and_before_now() {
    let spec = shared_spec();
    let earliest = now() - Duration::days(31 * i64::from(spec.months + 1));
    let mut per_account_month = 0.0;
    for account in SHARED.iter() {
        for call in &account.calls {
            assert!(call.started_at > account.opened_at && call.started_at >= earliest);
            assert!(call.ended_at() < now());
        }
        assert!(account.calls.windows(2).all(|w| w[0].started_at <= w[1].started_at));
        per_account_month += account.calls.len() as f64;
    }
    // Six whole months and a third of March.
    per_account_month /= SHARED.len() as f64 * 6.3;
    let target = f64::from(spec.calls_per_month);
    assert!((0.8 * target..1.2 * target).contains(&per_account_month), "{per_account_month}");
}

#[test]
fn calls_look_like_real_traffic() {
    let calls: Vec<(&DemoAccount, &CallDetailRecord)> =
        SHARED.iter().flat_map(|a| a.calls.iter().map(move |c| (a, c))).collect();
    let share = |pred: &dyn Fn(&DemoAccount, &CallDetailRecord) -> bool| {
        calls.iter().filter(|(a, c)| pred(a, c)).count() as f64 / calls.len() as f64
    };
    let outbound = share(&|_, c| c.direction == Direction::Outbound);
    assert!((0.55..0.65).contains(&outbound), "outbound {outbound}");
    let local = share(&|_, c| c.call_type == CallType::Local);
    assert!(local > 0.5, "local {local}");
    let daytime = share(&|a, c| (8..21).contains(&c.started_at.with_timezone(&tz(a)).hour()));
    assert!(daytime > 0.75, "daytime {daytime}");
    let short = share(&|_, c| c.duration_secs < 600);
    assert!(short > 0.75, "short {short}");
    assert!(calls.iter().any(|(_, c)| c.duration_secs > 1800));

    let international: Vec<_> = calls.iter().filter(|(_, c)| c.call_type == CallType::International).collect();
    let from_spanish = international.iter().filter(|(a, _)| a.new_account.profile.language == Language::Es).count();
    assert!(from_spanish * 2 > international.len(), "{from_spanish} of {}", international.len());
    assert!(international.iter().any(|(_, c)| c.destination == "Mexico" && c.other_party.starts_with("+52")));

    let mut ids = HashSet::new();
    for (a, c) in &calls {
        assert!(ids.insert((&c.source_system, &c.source_record_id)), "duplicate record id");
        let postal = &a.new_account.postal_address;
        let home = format!("{}, {}", postal.city, postal.state);
        match c.call_type {
            CallType::DirectoryAssistance => {
                assert_eq!((c.other_party.as_str(), c.charge), ("411", Some(Cents(199))));
            }
            CallType::Local => assert!(c.destination == home && c.other_party.starts_with("+1"), "{c:?}"),
            CallType::LongDistance => assert!(c.other_party.starts_with("+1") && c.destination != home),
            CallType::International => assert!(c.charge.is_some_and(|c| c.0 >= 0) && !c.destination.contains(", ")),
            CallType::TollFree => {}
        }
        if c.direction == Direction::Inbound && c.call_type != CallType::TollFree {
            assert_eq!(c.charge, Some(Cents::ZERO));
        }
    }
}

#[test]
fn invoices_reconcile_with_the_calls_of_their_month() {
    let spec = DemoSpec::new(150, 3, now());
    for index in 0..spec.accounts {
        let account = generate_account(&spec, index);
        let tz = tz(&account);
        for invoice in &account.invoices {
            let mut from_calls: BTreeMap<LineCategory, Cents> = BTreeMap::new();
            for call in &account.calls {
                let day = call.started_at.with_timezone(&tz).date_naive();
                if (invoice.period_start..=invoice.period_end).contains(&day) {
                    *from_calls.entry(line_category(call.call_type)).or_default() += call.charge.unwrap_or(Cents::ZERO);
                }
            }
            for category in [LineCategory::LocalUsage, LineCategory::LongDistance, LineCategory::DirectoryAssistance] {
                let billed: Cents = invoice.lines.iter().filter(|l| l.category == category).map(|l| l.amount).sum();
                assert_eq!(billed, from_calls.get(&category).copied().unwrap_or_default(), "{category} in {invoice:?}");
            }
            let recurring: Cents = account
                .services
                .iter()
                .filter(|s| s.until.is_none_or(|u| u >= invoice.period_start))
                .map(|s| Cents(s.monthly_rate.0 * i64::from(s.quantity)))
                .sum();
            let billed: Cents =
                invoice.lines.iter().filter(|l| l.category == LineCategory::Recurring).map(|l| l.amount).sum();
            assert_eq!(billed, recurring);
        }
    }
}

#[test]
fn only_complete_months_are_billed() {
    // Early on the 1st in UTC: still the last day of the month on the west coast.
    let now: DateTime<Utc> = "2025-11-01T03:00:00Z".parse().unwrap();
    let spec = DemoSpec::new(200, 11, now);
    for index in 0..spec.accounts {
        let account = generate_account(&spec, index);
        let today = now.with_timezone(&tz(&account)).date_naive();
        assert!(account.calls.iter().all(|c| c.ended_at() < now));
        for invoice in &account.invoices {
            assert!(invoice.period_end < today);
            assert_eq!(invoice.period_start.day(), 1);
            assert_eq!(invoice.issued_on, invoice.period_start + Months::new(1));
            assert_eq!(invoice.due_on, invoice.issued_on + Days::new(21));
            assert!(invoice.issued_on.and_time(NaiveTime::MIN).and_utc() <= now + Duration::days(1));
        }
        let profile = &account.new_account.profile;
        if profile.status != AccountStatus::Closed {
            assert_eq!(account.invoices.len(), 6, "{}", profile.account_number);
            let last_billed = account.invoices.last().unwrap().period_start.month();
            assert_eq!(last_billed, if today.month() == 10 { 9 } else { 10 });
        }
        assert!(account.invoices.windows(2).all(|w| w[0].period_start < w[1].period_start));
    }
}

#[test]
fn months_and_call_volume_follow_the_spec() {
    let spec = DemoSpec { months: 2, calls_per_month: 300, ..DemoSpec::new(40, 5, now()) };
    let accounts: Vec<_> = (0..spec.accounts).map(|i| generate_account(&spec, i)).collect();
    assert!(accounts.iter().all(|a| a.invoices.len() <= 2));
    let average = accounts.iter().map(|a| a.calls.len()).sum::<usize>() as f64 / 40.0 / 2.3;
    assert!((150.0..450.0).contains(&average), "{average}");
}

#[test]
fn specs_out_of_range_are_refused() {
    assert!(DemoSpec::new(DemoSpec::MAX_ACCOUNTS, 1, now()).validate().is_ok());
    assert!(DemoSpec::new(DemoSpec::MAX_ACCOUNTS + 1, 1, now()).validate().is_err());
    assert!(DemoSpec { months: 61, ..DemoSpec::new(1, 1, now()) }.validate().is_err());
}
