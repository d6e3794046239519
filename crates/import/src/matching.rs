//! Which accounts a switch record belongs to. The caller's account (by account code,
//! else by the service holding the calling number on the call's day) gets an outbound
//! call; the callee's account (the service holding the called number) an inbound one.
//! A call between two customers is one record for each side.

use crate::formats::SwitchCall;
use crate::rules::{call_type, normalise, other_party};
use chrono_tz::Tz;
use cpniguard_core::cpni::{CallDetailRecord, Direction};
use cpniguard_core::ids::AccountId;
use cpniguard_core::phone::PhoneNumber;
use cpniguard_store::call_import::NumberHolder;
use std::collections::{BTreeSet, HashMap};

/// How a source's rows are matched.
#[derive(Debug, Clone)]
pub struct MatchRules {
    pub source: String,
    pub tz: Tz,
    pub country_code: u16,
    pub caller_id_from_clid: bool,
    /// Account code → account, resolved from the configured account numbers.
    pub accountcodes: HashMap<String, AccountId>,
}

/// The numbers of a call as E.164, where they are telephone numbers.
pub struct Numbers {
    pub caller: Option<PhoneNumber>,
    pub called: Option<PhoneNumber>,
}

impl MatchRules {
    pub fn numbers(&self, call: &SwitchCall) -> Numbers {
        let mut caller = normalise(&call.caller, self.country_code);
        if caller.is_none() && self.caller_id_from_clid {
            caller = normalise(&call.caller_id, self.country_code);
        }
        Numbers { caller, called: normalise(&call.called, self.country_code) }
    }

    /// The calls to store for this record, or why there are none (unmatched).
    pub fn sides(
        &self,
        call: &SwitchCall,
        holders: &HashMap<PhoneNumber, Vec<NumberHolder>>,
    ) -> Result<Vec<CallDetailRecord>, String> {
        let Numbers { caller, called } = self.numbers(call);
        let day = call.started_at.with_timezone(&self.tz).date_naive();
        let holder = |number: &Option<PhoneNumber>| -> Result<Option<AccountId>, String> {
            let Some(number) = number else { return Ok(None) };
            let accounts: BTreeSet<AccountId> =
                holders.get(number).into_iter().flatten().filter(|h| h.holds_on(day)).map(|h| h.account_id).collect();
            match accounts.len() {
                0 => Ok(None),
                1 => Ok(accounts.into_iter().next()),
                _ => Err(format!("{} accounts held the same number on {day}", accounts.len())),
            }
        };
        let coded = self.accountcodes.get(call.accountcode.trim()).copied();
        let outbound = match coded {
            Some(account) => Ok(Some(account)),
            None => holder(&caller),
        };
        let inbound = holder(&called);
        let mut records = Vec::with_capacity(2);
        if let (Ok(Some(account)), Some(number)) = (&outbound, &caller) {
            records.push(self.record(call, *account, number, Direction::Outbound, &call.called, called.as_ref()));
        }
        if let (Ok(Some(account)), Some(number)) = (&inbound, &called) {
            records.push(self.record(call, *account, number, Direction::Inbound, &call.caller, caller.as_ref()));
        }
        if !records.is_empty() {
            return Ok(records);
        }
        Err(match (outbound, inbound) {
            (Err(e), _) | (_, Err(e)) => e,
            (Ok(Some(_)), _) => "the account code's account has no calling telephone number on the row".to_owned(),
            _ => format!("no account held the calling or the called number on {day}"),
        })
    }

    fn record(
        &self,
        call: &SwitchCall,
        account: AccountId,
        service_number: &PhoneNumber,
        direction: Direction,
        other_raw: &str,
        other_number: Option<&PhoneNumber>,
    ) -> CallDetailRecord {
        let other = other_party(other_raw, other_number);
        CallDetailRecord {
            id: None,
            account_id: account,
            service_number: service_number.clone(),
            started_at: call.started_at,
            duration_secs: call.billable_secs,
            direction,
            call_type: call_type(service_number, &other),
            other_party: other,
            // A raw switch record names no rated destination.
            destination: String::new(),
            charge: None,
            source_system: self.source.clone(),
            source_record_id: call.record_id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};
    use uuid::Uuid;

    fn rules() -> MatchRules {
        MatchRules {
            source: "pbx".into(),
            tz: chrono_tz::UTC,
            country_code: 1,
            caller_id_from_clid: true,
            accountcodes: HashMap::new(),
        }
    }

    fn call(caller: &str, called: &str) -> SwitchCall {
        SwitchCall {
            record_id: "1.1".into(),
            started_at: Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap(),
            billable_secs: 60,
            caller: caller.into(),
            caller_id: "2125550143".into(),
            called: called.into(),
            accountcode: String::new(),
        }
    }

    fn holder(
        account: AccountId,
        number: &str,
        since: (i32, u32, u32),
        until: Option<(i32, u32, u32)>,
    ) -> NumberHolder {
        let day = |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        NumberHolder {
            account_id: account,
            number: PhoneNumber::parse(number).unwrap(),
            since: day(since),
            until: until.map(day),
        }
    }

    fn index(list: Vec<NumberHolder>) -> HashMap<PhoneNumber, Vec<NumberHolder>> {
        let mut map: HashMap<PhoneNumber, Vec<NumberHolder>> = HashMap::new();
        for h in list {
            map.entry(h.number.clone()).or_default().push(h);
        }
        map
    }

    #[test]
    fn a_call_between_two_customers_is_on_both_accounts() {
        let (a, b) = (AccountId(Uuid::new_v4()), AccountId(Uuid::new_v4()));
        let holders =
            index(vec![holder(a, "+12125550143", (2020, 1, 1), None), holder(b, "+13125550199", (2020, 1, 1), None)]);
        let records = rules().sides(&call("2125550143", "13125550199"), &holders).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!((records[0].account_id, records[0].direction), (a, Direction::Outbound));
        assert_eq!((records[1].account_id, records[1].direction), (b, Direction::Inbound));
        assert_eq!(records[1].other_party, "+12125550143");
        assert!(records.iter().all(|r| r.charge.is_none()));
    }

    #[test]
    fn a_number_moved_on_the_day_belongs_to_the_new_holder_only() {
        let (old, new) = (AccountId(Uuid::new_v4()), AccountId(Uuid::new_v4()));
        let holders = index(vec![
            holder(old, "+12125550143", (2020, 1, 1), Some((2024, 6, 1))),
            holder(new, "+12125550143", (2024, 6, 1), None),
        ]);
        let records = rules().sides(&call("2125550143", "411"), &holders).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].account_id, new);
        assert_eq!(records[0].other_party, "411");
    }

    #[test]
    fn extensions_use_the_caller_id_and_unknown_numbers_are_unmatched() {
        let a = AccountId(Uuid::new_v4());
        let holders = index(vec![holder(a, "+12125550143", (2020, 1, 1), None)]);
        let records = rules().sides(&call("201", "3125550199"), &holders).unwrap();
        assert_eq!((records[0].account_id, records[0].service_number.as_str()), (a, "+12125550143"));
        let err = rules().sides(&call("3125550100", "3125550199"), &holders).unwrap_err();
        assert!(err.contains("no account"), "{err}");
    }
}
