//! Where the synthetic customers live and whom they call: US cities with their state,
//! ZIP range, area codes and time zone; street names; international destinations with
//! their dialling plans and per-minute rates; and the telephone numbers handed out.

use rand::Rng;
use rand::seq::IndexedRandom;

pub struct City {
    pub name: &'static str,
    pub state: &'static str,
    /// Inclusive range of 5-digit ZIP codes served.
    pub zips: (u32, u32),
    pub area_codes: &'static [u16],
    pub time_zone: &'static str,
    /// Relative share of English-speaking and of Spanish-speaking customers here.
    pub weight_en: u32,
    pub weight_es: u32,
    /// State and local taxes and 911 fees on a bill, in basis points.
    pub tax_bp: i64,
    /// First six characters of the local central offices' CLLI codes.
    pub clli: &'static str,
}

impl City {
    /// "Denver, CO", as rated call destinations are written.
    pub fn label(&self) -> String {
        format!("{}, {}", self.name, self.state)
    }
}

macro_rules! cities {
    ($(($name:literal, $st:literal, $z0:literal, $z1:literal, [$($ac:literal),+], $tz:literal, $en:literal, $es:literal, $tax:literal, $clli:literal)),+ $(,)?) => {
        pub static CITIES: &[City] = &[$(City {
            name: $name, state: $st, zips: ($z0, $z1), area_codes: &[$($ac),+], time_zone: $tz,
            weight_en: $en, weight_es: $es, tax_bp: $tax, clli: $clli,
        }),+];
    };
}

// Spanish-speaking customers are weighted towards the cities with large
// Spanish-speaking communities, so the language mix looks like a real carrier's.
cities![
    ("New York", "NY", 10001, 10282, [212, 646, 917], "America/New_York", 9, 6, 1150, "NYCMNY"),
    ("Brooklyn", "NY", 11201, 11239, [718, 347, 929], "America/New_York", 7, 5, 1150, "NYCKNY"),
    ("Boston", "MA", 2108, 2137, [617, 857], "America/New_York", 5, 1, 700, "BSTNMA"),
    ("Philadelphia", "PA", 19102, 19154, [215, 267], "America/New_York", 5, 2, 900, "PHLAPA"),
    ("Washington", "DC", 20001, 20037, [202], "America/New_York", 3, 1, 1000, "WASHDC"),
    ("Atlanta", "GA", 30303, 30350, [404, 678], "America/New_York", 5, 2, 850, "ATLNGA"),
    ("Miami", "FL", 33125, 33186, [305, 786], "America/New_York", 3, 9, 750, "MIAMFL"),
    ("Orlando", "FL", 32801, 32839, [407, 321], "America/New_York", 3, 4, 750, "ORLDFL"),
    ("Charlotte", "NC", 28202, 28277, [704, 980], "America/New_York", 4, 1, 700, "CHRLNC"),
    ("Columbus", "OH", 43201, 43235, [614, 380], "America/New_York", 4, 1, 650, "CLMBOH"),
    ("Detroit", "MI", 48201, 48239, [313], "America/Detroit", 4, 1, 800, "DTRTMI"),
    ("Chicago", "IL", 60601, 60661, [312, 773, 872], "America/Chicago", 8, 6, 1300, "CHCGIL"),
    ("Houston", "TX", 77002, 77099, [713, 832, 281], "America/Chicago", 6, 9, 800, "HSTNTX"),
    ("Dallas", "TX", 75201, 75254, [214, 469, 972], "America/Chicago", 5, 6, 800, "DLLSTX"),
    ("San Antonio", "TX", 78201, 78260, [210, 726], "America/Chicago", 3, 8, 800, "SNANTX"),
    ("Austin", "TX", 78701, 78759, [512, 737], "America/Chicago", 3, 3, 800, "AUSTTX"),
    ("Minneapolis", "MN", 55401, 55455, [612], "America/Chicago", 3, 1, 650, "MPLSMN"),
    ("Kansas City", "MO", 64101, 64158, [816], "America/Chicago", 3, 1, 700, "KSCYMO"),
    ("Nashville", "TN", 37201, 37221, [615, 629], "America/Chicago", 3, 1, 900, "NSVLTN"),
    ("New Orleans", "LA", 70112, 70131, [504], "America/Chicago", 2, 1, 950, "NWORLA"),
    ("Denver", "CO", 80202, 80239, [303, 720], "America/Denver", 5, 4, 750, "DNVRCO"),
    ("Albuquerque", "NM", 87102, 87123, [505], "America/Denver", 2, 5, 780, "ALBQNM"),
    ("El Paso", "TX", 79901, 79938, [915], "America/Denver", 1, 6, 800, "ELPSTX"),
    ("Salt Lake City", "UT", 84101, 84121, [801, 385], "America/Denver", 3, 1, 720, "SLKCUT"),
    ("Boise", "ID", 83702, 83716, [208, 986], "America/Boise", 2, 1, 600, "BOISID"),
    ("Phoenix", "AZ", 85003, 85054, [602, 480, 623], "America/Phoenix", 5, 6, 780, "PHNXAZ"),
    ("Tucson", "AZ", 85701, 85757, [520], "America/Phoenix", 2, 4, 780, "TCSNAZ"),
    ("Los Angeles", "CA", 90001, 90089, [213, 323, 310, 818], "America/Los_Angeles", 8, 12, 1050, "LSANCA"),
    ("San Diego", "CA", 92101, 92139, [619, 858], "America/Los_Angeles", 4, 5, 1000, "SNDGCA"),
    ("San Jose", "CA", 95110, 95148, [408, 669], "America/Los_Angeles", 4, 4, 1000, "SNJSCA"),
    ("Fresno", "CA", 93701, 93737, [559], "America/Los_Angeles", 2, 4, 1000, "FRSNCA"),
    ("Seattle", "WA", 98101, 98199, [206], "America/Los_Angeles", 5, 1, 1100, "STTLWA"),
    ("Portland", "OR", 97201, 97236, [503, 971], "America/Los_Angeles", 4, 1, 400, "PTLDOR"),
    ("Las Vegas", "NV", 89101, 89149, [702, 725], "America/Los_Angeles", 3, 4, 850, "LSVGNV"),
    ("Anchorage", "AK", 99501, 99518, [907], "America/Anchorage", 1, 1, 300, "ANCRAK"),
    ("Honolulu", "HI", 96813, 96826, [808], "Pacific/Honolulu", 1, 1, 450, "HNLLHI"),
];

#[rustfmt::skip]
pub const STREETS: &[&str] = &[
    "Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine St", "Washington Ave", "Lincoln Blvd",
    "Park Pl", "Lake Shore Dr", "Elm St", "2nd Ave", "3rd St", "5th Ave", "Sunset Blvd",
    "Highland Ave", "Franklin St", "Jefferson Ave", "Madison St", "Hillcrest Rd", "Ridgeview Dr",
    "Willow Way", "Birch Ct", "Spruce St", "Chestnut St", "Walnut St", "River Rd", "Mill Rd",
    "Church St", "Market St", "Broadway", "Center St", "Meadow Ln", "Forest Ave", "Sycamore Dr",
    "Magnolia Blvd", "Camino Real", "Calle Luna", "Avenida del Sol", "Vista del Mar",
    "Mesa Verde Dr", "Rio Grande Blvd", "Alameda St", "Pecan St", "Juniper Ln", "Aspen Way",
    "Industrial Pkwy", "Commerce Dr", "Corporate Blvd", "Technology Dr", "Executive Ct",
    "Harbor View Rd", "Orchard St", "Prospect Ave", "Valley View Rd", "Woodland Dr",
];

/// Pick a city with the weights for the customer's language.
pub fn pick_city(rng: &mut impl Rng, spanish: bool) -> &'static City {
    let weight = |c: &City| if spanish { c.weight_es } else { c.weight_en };
    let total: u32 = CITIES.iter().map(weight).sum();
    let mut ticket = rng.random_range(0..total);
    for city in CITIES {
        if ticket < weight(city) {
            return city;
        }
        ticket -= weight(city);
    }
    unreachable!("the ticket is below the total weight")
}

pub fn zip_in(rng: &mut impl Rng, city: &City) -> String {
    format!("{:05}", rng.random_range(city.zips.0..=city.zips.1))
}

/// A street address line such as "4821 Maple Dr".
pub fn street_line(rng: &mut impl Rng) -> String {
    let street = STREETS.choose(rng).expect("streets listed");
    format!("{} {street}", rng.random_range(100..=9899))
}

/// An international destination as the rating engine knows it.
pub struct Country {
    pub name: &'static str,
    /// The E.164 country code with its `+`.
    pub dial: &'static str,
    /// Digits after the country code.
    pub national_digits: usize,
    /// How national numbers begin (city or mobile prefixes).
    pub leading: &'static [&'static str],
    pub cents_per_minute: i64,
}

/// Where Spanish-speaking customers mostly call: Mexico and Latin America.
pub static LATIN_AMERICA: &[Country] = &[
    country("Mexico", "+52", 10, &["55", "33", "81", "664", "656", "222", "477"], 5),
    country("Guatemala", "+502", 8, &["2", "5", "4"], 18),
    country("El Salvador", "+503", 8, &["2", "7"], 16),
    country("Honduras", "+504", 8, &["2", "9", "3"], 22),
    country("Dominican Republic", "+1", 10, &["809", "829", "849"], 12),
    country("Colombia", "+57", 10, &["3", "601", "604"], 9),
    country("Peru", "+51", 9, &["9", "1"], 10),
];

pub static OTHER_COUNTRIES: &[Country] = &[
    country("Canada", "+1", 10, &["416", "604", "514", "403"], 3),
    country("United Kingdom", "+44", 10, &["20", "161", "7"], 4),
    country("India", "+91", 10, &["9", "8", "7"], 7),
    country("Philippines", "+63", 10, &["9", "2"], 19),
    country("Germany", "+49", 10, &["30", "89", "15"], 5),
    country("China", "+86", 11, &["13", "15", "18"], 6),
    country("Vietnam", "+84", 9, &["9", "3", "28"], 14),
    country("Nigeria", "+234", 10, &["80", "70", "90"], 19),
];

const fn country(
    name: &'static str,
    dial: &'static str,
    national_digits: usize,
    leading: &'static [&'static str],
    cents_per_minute: i64,
) -> Country {
    Country { name, dial, national_digits, leading, cents_per_minute }
}

impl Country {
    /// A number in this country, as the switch records it (`+` and digits).
    pub fn random_number(&self, rng: &mut impl Rng) -> String {
        let lead = self.leading.choose(rng).expect("prefixes listed");
        let mut out = String::with_capacity(1 + self.dial.len() + self.national_digits);
        out.push_str(self.dial);
        out.push_str(lead);
        for _ in lead.len()..self.national_digits {
            out.push(char::from(b'0' + rng.random_range(0..10u8)));
        }
        out
    }
}

/// Central-office codes (NXX) that are assigned to subscribers: 2–9 first, no N11
/// service codes, and not 555 or the few codes reserved for special services.
const fn assignable_exchange(nxx: u16) -> bool {
    nxx >= 200 && nxx % 100 != 11 && !matches!(nxx, 555 | 950 | 958 | 959 | 976)
}

const EXCHANGE_COUNT: usize = 787;

const EXCHANGES: [u16; EXCHANGE_COUNT] = {
    let mut out = [0u16; EXCHANGE_COUNT];
    let (mut nxx, mut i) = (200u16, 0usize);
    while nxx < 1000 {
        if assignable_exchange(nxx) {
            out[i] = nxx;
            i += 1;
        }
        nxx += 1;
    }
    assert!(i == EXCHANGE_COUNT);
    out
};

/// Each account owns this many consecutive number slots (a business has at most a
/// main number, a trunk pilot and a toll-free number).
pub const NUMBERS_PER_ACCOUNT: u32 = 3;

/// Every 7-digit subscriber number (exchange and line) this carrier can hand out.
const SUBSCRIBER_NUMBERS: u64 = EXCHANGE_COUNT as u64 * 10_000;

/// Account indexes below this have number slots of their own; the benchmarks use the
/// indexes from here on, so their accounts never share a number with demo accounts.
pub const SLOT_INDEX_LIMIT: u32 = (SUBSCRIBER_NUMBERS / NUMBERS_PER_ACCOUNT as u64) as u32;

// An affine permutation of the subscriber numbers, so consecutive accounts get numbers
// scattered over many exchanges instead of 555-0001, 555-0002…; the multiplier is
// coprime with the modulus, which makes the mapping one-to-one.
const SCATTER_MULTIPLIER: u64 = 3_141_593;
const SCATTER_OFFSET: u64 = 1_234_567;

/// The subscriber part (NXX-XXXX) of account `index`'s number in `slot`: unique across
/// all accounts whatever area code it is put behind.
pub fn subscriber_number(index: u32, slot: u32) -> (u16, u16) {
    assert!(index < SLOT_INDEX_LIMIT && slot < NUMBERS_PER_ACCOUNT, "number slot out of range");
    let ordinal = u64::from(index) * u64::from(NUMBERS_PER_ACCOUNT) + u64::from(slot);
    let scattered = (ordinal * SCATTER_MULTIPLIER + SCATTER_OFFSET) % SUBSCRIBER_NUMBERS;
    (EXCHANGES[(scattered / 10_000) as usize], (scattered % 10_000) as u16)
}

/// A random number in one of the given area codes (someone the customer calls).
pub fn random_nanp(rng: &mut impl Rng, area_codes: &[u16]) -> String {
    let npa = area_codes.choose(rng).expect("area codes listed");
    let nxx = EXCHANGES.choose(rng).expect("exchanges listed");
    format!("+1{npa}{nxx}{:04}", rng.random_range(0..10_000))
}

/// Toll-free codes, for numbers customers dial and for toll-free service.
pub const TOLL_FREE_CODES: &[u16] = &[800, 833, 844, 855, 866, 877, 888];

#[cfg(test)]
mod tests {
    use super::*;

    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 { a } else { gcd(b, a % b) }
    }

    #[test]
    fn scatter_is_a_permutation() {
        assert_eq!(gcd(SCATTER_MULTIPLIER, SUBSCRIBER_NUMBERS), 1);
    }

    #[test]
    fn exchanges_are_assignable() {
        assert!(EXCHANGES.iter().all(|&n| (200..1000).contains(&n) && n % 100 != 11 && n != 555));
    }

    #[test]
    fn every_city_is_usable() {
        for c in CITIES {
            assert!(c.time_zone.parse::<chrono_tz::Tz>().is_ok(), "{}", c.time_zone);
            assert!(c.zips.0 <= c.zips.1 && c.zips.1 < 100_000, "{}", c.name);
            assert!(c.area_codes.iter().all(|a| (200..1000).contains(a)), "{}", c.name);
            assert_eq!((c.state.len(), c.clli.len()), (2, 6), "{}", c.name);
        }
    }
}
