//! How a switch's raw values become domain values: dialled numbers to E.164 under a
//! default country, local times to UTC in a named zone (DST included), and the call
//! type from the two numbers.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use cpniguard_core::cpni::CallType;
use cpniguard_core::phone::PhoneNumber;

/// A source name is part of every stored call's key (`source_system`).
pub fn check_source_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.len() > 40
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!("source name {name:?}: 1 to 40 letters, digits, '-', '_' or '.'"));
    }
    Ok(())
}

pub fn time_zone(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>().map_err(|_| format!("{name:?} is not an IANA time zone name"))
}

/// A number as a switch wrote it, in E.164 when it is a telephone number:
/// `+E.164`; with country code 1, 10 digits, 1 + 10 digits, or 011 + international;
/// otherwise 00 + international or 0 + national. Extensions, short codes and
/// anonymous callers are not telephone numbers (`None`).
pub fn normalise(raw: &str, country_code: u16) -> Option<PhoneNumber> {
    let raw = raw.trim();
    let (plus, body) = match raw.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let mut digits = String::with_capacity(body.len());
    for c in body.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return None,
        }
    }
    let international = if plus {
        digits
    } else if country_code == 1 {
        if let Some(rest) = digits.strip_prefix("011") {
            rest.to_owned()
        } else if digits.len() == 10 || (digits.len() == 11 && digits.starts_with('1')) {
            if digits.len() == 10 { format!("1{digits}") } else { digits }
        } else {
            return None;
        }
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else if let Some(national) = digits.strip_prefix('0') {
        format!("{country_code}{national}")
    } else {
        return None;
    };
    PhoneNumber::parse(&format!("+{international}")).ok()
}

/// The other party of a call as stored: E.164 when it is a telephone number, else the
/// digits as dialled (short codes such as 411), else empty (withheld or not a number).
pub fn other_party(raw: &str, number: Option<&PhoneNumber>) -> String {
    if let Some(n) = number {
        return n.as_str().to_owned();
    }
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if raw.trim().chars().all(|c| c.is_ascii_digit()) && digits.len() <= 20 { digits } else { String::new() }
}

const NANP_TOLL_FREE: [&str; 7] = ["800", "833", "844", "855", "866", "877", "888"];

fn nanp_area(number: &str) -> Option<&str> {
    number.strip_prefix("+1").and_then(|n| n.get(..3))
}

fn is_toll_free(number: &str) -> bool {
    nanp_area(number).is_some_and(|area| NANP_TOLL_FREE.contains(&area))
}

/// The call type from the customer's number and the other party: toll-free when
/// either is a NANP toll-free number, directory assistance for 411 and NPA-555-1212,
/// international when the country codes differ, and — within the NANP — local when
/// the area codes match, long distance otherwise. Without a rating engine the area
/// code stands in for the local calling area. A withheld number counts as local.
pub fn call_type(service: &PhoneNumber, other: &str) -> CallType {
    let service = service.as_str();
    if other == "411" || (other.starts_with("+1") && other.ends_with("5551212") && other.len() == 12) {
        return CallType::DirectoryAssistance;
    }
    if is_toll_free(service) || is_toll_free(other) {
        return CallType::TollFree;
    }
    if !other.starts_with('+') {
        return CallType::Local;
    }
    match (nanp_area(service), nanp_area(other)) {
        (Some(a), Some(b)) if a == b => CallType::Local,
        (Some(_), Some(_)) => CallType::LongDistance,
        (Some(_), None) | (None, Some(_)) => CallType::International,
        // Outside the NANP: same country code (its first digits) is domestic.
        (None, None) if country_prefix(service) == country_prefix(other) => CallType::LongDistance,
        (None, None) => CallType::International,
    }
}

/// The country code's likely extent: 1 digit for 1 and 7, 2 for the 2x–9x codes listed
/// as two digits, else 3. Only used to tell domestic from international.
fn country_prefix(number: &str) -> &str {
    let digits = &number[1..];
    let two = [
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49",
        "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
        "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    let len = if digits.starts_with('7') {
        1
    } else if two.iter().any(|p| digits.starts_with(p)) {
        2
    } else {
        3
    };
    digits.get(..len).unwrap_or(digits)
}

/// A switch's local wall-clock start time as UTC. At a DST fall-back the hour repeats:
/// the end time and duration, when given, say which of the two was meant (the switch
/// computed the duration from real instants); without them the first is taken. A time
/// in the spring-forward gap never happened and is refused.
pub fn to_utc(
    tz: Tz,
    start: NaiveDateTime,
    end: Option<NaiveDateTime>,
    duration_secs: Option<i64>,
) -> Result<DateTime<Utc>, String> {
    match tz.from_local_datetime(&start) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, second) => {
            let ends: Vec<DateTime<Utc>> = match end.map(|e| tz.from_local_datetime(&e)) {
                Some(LocalResult::Single(e)) => vec![e.with_timezone(&Utc)],
                Some(LocalResult::Ambiguous(a, b)) => vec![a.with_timezone(&Utc), b.with_timezone(&Utc)],
                _ => Vec::new(),
            };
            let fits =
                |s: DateTime<Utc>| duration_secs.is_some_and(|d| ends.iter().any(|e| (*e - s).num_seconds() == d));
            let (first, second) = (first.with_timezone(&Utc), second.with_timezone(&Utc));
            Ok(if !fits(first) && fits(second) { second } else { first })
        }
        LocalResult::None => Err(format!("{start} never happened in {tz} (the clocks went forward)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn n(s: &str) -> PhoneNumber {
        PhoneNumber::parse(s).unwrap()
    }

    #[test]
    fn nanp_forms_become_e164() {
        for raw in ["2125550143", "12125550143", "+1 (212) 555-0143", "212-555-0143"] {
            assert_eq!(normalise(raw, 1), Some(n("+12125550143")), "{raw}");
        }
        assert_eq!(normalise("011442079460000", 1), Some(n("+442079460000")));
        for raw in ["201", "411", "anonymous", "", "s", "*97", "0123"] {
            assert_eq!(normalise(raw, 1), None, "{raw}");
        }
    }

    #[test]
    fn other_countries_use_trunk_and_international_prefixes() {
        assert_eq!(normalise("02079460000", 44), Some(n("+442079460000")));
        assert_eq!(normalise("0012125550143", 44), Some(n("+12125550143")));
    }

    #[test]
    fn call_types_from_the_numbers() {
        let home = n("+12125550143");
        assert_eq!(call_type(&home, "+12125550199"), CallType::Local);
        assert_eq!(call_type(&home, "+13125550199"), CallType::LongDistance);
        assert_eq!(call_type(&home, "+442079460000"), CallType::International);
        assert_eq!(call_type(&home, "+18005550100"), CallType::TollFree);
        assert_eq!(call_type(&home, "411"), CallType::DirectoryAssistance);
        assert_eq!(call_type(&home, "+13125551212"), CallType::DirectoryAssistance);
        assert_eq!(call_type(&home, ""), CallType::Local);
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, min, 0).unwrap()
    }

    #[test]
    fn dst_gap_is_refused_and_the_repeated_hour_is_resolved_by_the_end_time() {
        let chicago: Tz = "America/Chicago".parse().unwrap();
        assert!(to_utc(chicago, at(2024, 3, 10, 2, 30), None, None).is_err());
        // 2024-11-03 01:30 happens twice in Chicago: 06:30Z (CDT) and 07:30Z (CST).
        let first = to_utc(chicago, at(2024, 11, 3, 1, 30), None, None).unwrap();
        assert_eq!(first.to_rfc3339(), "2024-11-03T06:30:00+00:00");
        // Ended at 01:10 after 40 minutes: 01:30 CDT plus 40 minutes is 01:10 CST.
        let fits_first = to_utc(chicago, at(2024, 11, 3, 1, 30), Some(at(2024, 11, 3, 1, 10)), Some(2400)).unwrap();
        assert_eq!(fits_first.to_rfc3339(), "2024-11-03T06:30:00+00:00");
        // Ended at 02:00 after 30 minutes: the second 01:30 (CST).
        let second = to_utc(chicago, at(2024, 11, 3, 1, 30), Some(at(2024, 11, 3, 2, 0)), Some(1800)).unwrap();
        assert_eq!(second.to_rfc3339(), "2024-11-03T07:30:00+00:00");
    }
}
