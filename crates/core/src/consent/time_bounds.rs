//! The time rules of [`status`](super::status) restated, for one instant `at`, as
//! bounds on an event's own time, so that a query deciding many accounts at once (the
//! store's bulk approval status) compares each stored time with a few constants
//! instead of doing calendar arithmetic in two SQL dialects.

use super::ConsentPolicy;
use chrono::{DateTime, Duration, Months, NaiveDate, NaiveTime, TimeDelta, Utc};

/// How many days at most share one renewal date: adding months clamps the 29th to
/// the 31st of a long month onto the last day of a short one.
const MAX_DAYS_PER_RENEWAL_DATE: usize = 4;

/// The bounds for one `at` under one policy. Every bound is inclusive where it says
/// "at or before" and exclusive where it says "before" or "after".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeBounds {
    /// Events at or before this are known at `at` (it is `at`).
    pub at: DateTime<Utc>,
    /// An electronic notice served at or before this has ended its waiting period.
    pub electronic_waited: DateTime<Utc>,
    /// A mailed notice served at or before this has ended its waiting period.
    pub mail_waited: DateTime<Utc>,
    /// A one-time approval given after this still lasts at `at`.
    pub one_time_after: DateTime<Utc>,
    /// A notice served before this needs renewing at `at` (its biennial date plus
    /// grace has come)...
    pub renotice_due_before: DateTime<Utc>,
    /// ...and so does one served within one of these ranges (both ends included):
    /// the days whose biennial date plus grace falls on `at`'s own day, each up to
    /// `at`'s time of day. Unused ranges are empty (start after end).
    pub renotice_due_within: [(DateTime<Utc>, DateTime<Utc>); MAX_DAYS_PER_RENEWAL_DATE],
}

impl TimeBounds {
    pub fn new(policy: &ConsentPolicy, at: DateTime<Utc>) -> Self {
        let waiting = days(policy.waiting_period_days);
        let mailed = waiting + days(policy.mailed_notice_extra_days);
        let one_time = Duration::minutes(policy.one_time_max_minutes.into());
        // Due when renotice_by(served) + grace <= at, i.e. served + months <= `limit`.
        let limit = back(at, days(policy.renotice_grace_days));
        let (limit_day, limit_time) = (limit.date_naive(), limit.time());
        let months = Months::new(policy.renotice_months);
        let renewal = |d: NaiveDate| d.checked_add_months(months);
        // Adding months to a date never moves it back, so the days whose renewal date
        // is before `limit_day` are exactly the days before the first one that is not.
        let first = first_day(limit_day, policy.renotice_months, |d| renewal(d).is_none_or(|r| r >= limit_day));
        let empty = (at, back(at, TimeDelta::microseconds(1)));
        let mut within = [empty; MAX_DAYS_PER_RENEWAL_DATE];
        let mut day = Some(first);
        for slot in &mut within {
            match day {
                Some(d) if renewal(d) == Some(limit_day) => {
                    *slot = (midnight(d), midnight(d) + (limit_time - NaiveTime::MIN));
                    day = d.succ_opt();
                }
                _ => break,
            }
        }
        TimeBounds {
            at,
            electronic_waited: back(at, waiting),
            mail_waited: back(at, mailed),
            one_time_after: back(at, one_time),
            renotice_due_before: midnight(first),
            renotice_due_within: within,
        }
    }

    /// Whether a notice served at `served` needs renewing at `at`.
    pub fn renotice_due(&self, served: DateTime<Utc>) -> bool {
        served < self.renotice_due_before || self.renotice_due_within.iter().any(|(a, b)| (*a..=*b).contains(&served))
    }
}

fn days(n: u32) -> Duration {
    Duration::days(n.into())
}

/// `at - d`, or the earliest representable time.
fn back(at: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    at.checked_sub_signed(d).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc()
}

/// The first day (searched up to `limit_day`) for which `reached` holds, given that it
/// holds for `limit_day` (months are never negative) and, once it holds, for every
/// later day. `months` of at most 31 days each bound how far back to look.
fn first_day(limit_day: NaiveDate, months: u32, reached: impl Fn(NaiveDate) -> bool) -> NaiveDate {
    let span = i64::from(months) * 31 + 1;
    let mut lo = limit_day.checked_sub_signed(Duration::days(span)).unwrap_or(NaiveDate::MIN);
    let mut hi = limit_day;
    // Invariant: `reached(hi)`; `lo` is not reached (or is the earliest date).
    while (hi - lo).num_days() > 1 {
        let mid = lo + Duration::days((hi - lo).num_days() / 2);
        if reached(mid) { hi = mid } else { lo = mid }
    }
    if reached(lo) { lo } else { hi }
}
