//! What a customer subscribes to. Households have one or two lines (VoIP or copper
//! local lines), maybe a long-distance plan and voicemail; businesses have UCaaS seats,
//! SIP trunks and toll-free numbers. Each numbered service is also a `Line` that the
//! call generator places and rates calls on, so call charges follow the rate plan.

use crate::account::Customer;
use crate::places::{NUMBERS_PER_ACCOUNT, TOLL_FREE_CODES, subscriber_number};
use crate::uuid_at;
use cpniguard_core::cpni::Service;
use cpniguard_core::ids::ServiceId;
use cpniguard_core::money::Cents;
use cpniguard_core::phone::PhoneNumber;
use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::json;

/// How calls on a line are charged, in cents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Rating {
    /// Per outgoing local call (measured-rate local service); 0 when unlimited.
    pub local_per_call: i64,
    /// Per started minute of domestic long distance; 0 when the plan includes it.
    pub long_distance_per_minute: i64,
    /// Per started minute of calls received on a toll-free number.
    pub toll_free_per_minute: i64,
}

/// Flat fee per call to directory assistance (411), on every plan.
pub(crate) const DIRECTORY_ASSISTANCE_FEE: i64 = 199;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineRole {
    Home,
    Ucaas,
    Trunk,
    TollFree,
}

/// A numbered service as the switches see it.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub number: PhoneNumber,
    pub role: LineRole,
    pub rating: Rating,
    /// The system whose call records this line's calls come from.
    pub source_system: String,
    /// Relative share of the account's outgoing calls placed on this line.
    pub weight: u32,
}

pub(crate) struct Offering {
    pub services: Vec<Service>,
    /// The numbered services, main number first.
    pub lines: Vec<Line>,
}

pub(crate) fn offering(rng: &mut impl Rng, customer: &Customer) -> Offering {
    let mut builder = Builder { customer, services: Vec::new(), lines: Vec::new() };
    if customer.business() {
        builder.business(rng);
    } else {
        builder.household(rng);
    }
    debug_assert!(builder.lines.len() <= NUMBERS_PER_ACCOUNT as usize);
    Offering { services: builder.services, lines: builder.lines }
}

struct Builder<'a> {
    customer: &'a Customer,
    services: Vec<Service>,
    lines: Vec<Line>,
}

const CODECS: &[&str] = &["G.711u", "G.722", "OPUS"];
const ATAS: &[&str] = &["Grandstream HT802", "Poly OBi302", "Cisco ATA 192", "Yealink W73P"];

impl Builder<'_> {
    fn household<R: Rng>(&mut self, rng: &mut R) {
        let voip = rng.random_bool(0.65);
        let line_count = if rng.random_bool(0.25) { 2 } else { 1 };
        // (plan, monthly rate, local per call, long-distance per minute without a plan)
        let (plan, rate, local_per_call, basic_ld) = match (voip, rng.random_range(0..10)) {
            (true, 0..6) => ("Home Phone Unlimited", 2499, 0, 0),
            (true, _) => ("Home Phone Basic", 1499, 0, 8),
            (false, 0..8) => ("Basic Local Unlimited", 2295, 0, 12),
            (false, _) => ("Local Measured Service", 1450, 5, 12),
        };
        let ld_plan = match (basic_ld > 0, voip, rng.random_range(0..10)) {
            (false, _, _) => None,
            (true, false, 0..4) => Some(("Nationwide Unlimited", 999, 0)),
            (true, false, 4..6) => Some(("Long Distance Saver", 299, 5)),
            (true, true, 0..3) => Some(("Nationwide Unlimited", 999, 0)),
            _ => None,
        };
        let rating = Rating {
            local_per_call,
            long_distance_per_minute: ld_plan.map_or(basic_ld, |(_, _, per_minute)| per_minute),
            toll_free_per_minute: 0,
        };
        let e911 = self.e911_id();
        for slot in 0..line_count {
            let (plan, rate) = if slot == 0 { (plan, rate) } else { ("Additional Line", 999) };
            let configuration = if voip {
                json!({
                    "codec": CODECS.choose(rng),
                    "srtp": rng.random_bool(0.7),
                    "dtmf": "rfc2833",
                    "device": { "model": ATAS.choose(rng), "mac": mac_address(rng) },
                    "e911_address_id": e911,
                    "features": ["caller_id", "call_waiting", "three_way_calling", "anonymous_call_rejection"],
                })
            } else {
                json!({
                    "loop": if rng.random_bool(0.6) { "copper" } else { "fiber_ont" },
                    "central_office": format!("{}{:02}", self.customer.city.clli, rng.random_range(1..40)),
                    "e911_address_id": e911,
                    "features": ["caller_id", "call_waiting"],
                })
            };
            let service_type = if voip { "voip_line" } else { "local_line" };
            let number = self.number(rng, slot, false);
            self.line(number.clone(), LineRole::Home, rating, if slot == 0 { 3 } else { 1 });
            self.service(rng, service_type, Some(number), 1, configuration, (plan, rate));
        }
        if let Some((plan, rate, per_minute)) = ld_plan {
            let frozen = self.customer.profile.pic_freeze;
            let configuration = json!({
                "interlata_pic": "0432",
                "intralata_pic": "0432",
                "per_minute_cents": per_minute,
                "pic_freeze": { "intralata": frozen.intralata, "interlata": frozen.interlata },
            });
            self.service(rng, "long_distance", None, 1, configuration, (plan, rate));
        }
        if rng.random_bool(0.5) {
            let configuration = json!({
                "mailboxes": line_count,
                "transcription": rng.random_bool(0.4),
                "greeting": if rng.random_bool(0.3) { "custom" } else { "standard" },
                "retention_days": 30,
            });
            self.service(rng, "voicemail", None, 1, configuration, ("Voicemail Plus", 499));
        }
    }

    fn business<R: Rng>(&mut self, rng: &mut R) {
        let seats = self.customer.seats;
        let has_ucaas = rng.random_bool(0.85);
        let has_trunk = !has_ucaas || rng.random_bool(0.45);
        let e911 = self.e911_id();
        if has_ucaas {
            let tiers =
                [("UCaaS Essentials seat", 1999), ("UCaaS Professional seat", 2799), ("UCaaS Enterprise seat", 3499)];
            let tier = rng.random_range(0..tiers.len());
            // Larger offices often mix tiers: a premium tier for some of the staff.
            let split =
                (seats >= 20 && tier + 1 < tiers.len() && rng.random_bool(0.4)).then(|| seats / rng.random_range(3..6));
            let main_seats = seats - split.unwrap_or(0);
            let number = self.number(rng, 0, false);
            self.line(number.clone(), LineRole::Ucaas, Rating::default(), 3);
            let features =
                ["auto_attendant", "hunt_groups", "call_recording", "voicemail_to_email", "video_meetings", "sms"];
            let configuration = json!({
                "seats": main_seats,
                "main_number_routing": "auto_attendant",
                "codec_preference": ["OPUS", "G.722", "G.711u"],
                "dynamic_e911": true,
                "e911_address_id": e911,
                "features": features[..rng.random_range(3..=features.len())],
            });
            self.service(rng, "ucaas_seat", Some(number), main_seats, configuration, tiers[tier]);
            if let Some(extra) = split {
                let configuration = json!({ "seats": extra, "e911_address_id": e911, "features": features });
                self.service(rng, "ucaas_seat", None, extra, configuration, tiers[tier + 1]);
            }
        }
        if has_trunk {
            let channels = *[4u32, 8, 10, 12, 23, 24, 30, 46].choose(rng).expect("sizes listed");
            let metered = rng.random_bool(0.5);
            let (plan, rate, per_minute) =
                if metered { ("SIP Trunk Metered channel", 1299, 1) } else { ("SIP Trunk Unlimited channel", 2499, 0) };
            let number = self.number(rng, 1, false);
            let rating = Rating { long_distance_per_minute: per_minute, ..Rating::default() };
            self.line(number.clone(), LineRole::Trunk, rating, 4);
            let configuration = json!({
                "channels": channels,
                "codecs": ["G.711u", "G.729"],
                "transport": if rng.random_bool(0.6) { "TLS" } else { "UDP" },
                "srtp": rng.random_bool(0.6),
                "authentication": if rng.random_bool(0.5) { "ip" } else { "digest" },
                "did_block_size": *[10u32, 20, 50, 100].choose(rng).expect("sizes listed"),
                "e911_address_id": e911,
                "sbc": format!("sbc-{:02}", region(self.customer) + 1),
            });
            self.service(rng, "sip_trunk", Some(number), channels, configuration, (plan, rate));
        }
        if rng.random_bool(0.35) {
            let number = self.number(rng, 2, true);
            let rating = Rating { toll_free_per_minute: 4, ..Rating::default() };
            self.line(number.clone(), LineRole::TollFree, rating, 0);
            let configuration = json!({
                "routing": if rng.random_bool(0.5) { "time_of_day" } else { "ring_main_number" },
                "business_hours": "08:00-18:00",
                "resp_org": "CPG01",
                "per_minute_cents": 4,
            });
            self.service(rng, "toll_free", Some(number), 1, configuration, ("Toll-Free Inbound", 500));
        }
    }

    /// The account's number in `slot`: the city's area code (or a toll-free code) in
    /// front of a subscriber number no other account has.
    fn number(&self, rng: &mut impl Rng, slot: u32, toll_free: bool) -> PhoneNumber {
        let codes = if toll_free { TOLL_FREE_CODES } else { self.customer.city.area_codes };
        let npa = codes.choose(rng).expect("area codes listed");
        let (nxx, line) = subscriber_number(self.customer.index, slot);
        PhoneNumber::parse(&format!("+1{npa}{nxx}{line:04}")).expect("assignable numbers are valid")
    }

    fn e911_id(&self) -> String {
        format!("E911-{:08}", self.customer.index)
    }

    fn line(&mut self, number: PhoneNumber, role: LineRole, rating: Rating, weight: u32) {
        let region = region(self.customer) + 1;
        let source_system = match role {
            LineRole::Ucaas => "ucaas-core-01".to_owned(),
            LineRole::Trunk => format!("sbc-{region:02}"),
            LineRole::Home | LineRole::TollFree => format!("switch-{region:02}"),
        };
        self.lines.push(Line { number, role, rating, source_system, weight });
    }

    /// Add a service; `plan` is the rate plan's name and monthly rate in cents.
    fn service(
        &mut self,
        rng: &mut impl Rng,
        service_type: &str,
        service_number: Option<PhoneNumber>,
        quantity: u32,
        configuration: serde_json::Value,
        (rate_plan, monthly_rate): (&str, i64),
    ) {
        let c = self.customer;
        self.services.push(Service {
            id: ServiceId(uuid_at(rng, c.opened_at)),
            account_id: c.id,
            service_type: service_type.to_owned(),
            service_number,
            quantity,
            configuration,
            rate_plan: rate_plan.to_owned(),
            monthly_rate: Cents(monthly_rate),
            since: c.opened_on(),
            until: c.closed_on,
        });
    }
}

/// Which of the carrier's four regional switches serves the customer's city.
fn region(customer: &Customer) -> u32 {
    match customer.city.time_zone {
        "America/New_York" | "America/Detroit" => 0,
        "America/Chicago" => 1,
        "America/Denver" | "America/Boise" | "America/Phoenix" => 2,
        _ => 3,
    }
}

fn mac_address(rng: &mut impl Rng) -> String {
    let b: [u8; 3] = rng.random();
    format!("00:0B:82:{:02X}:{:02X}:{:02X}", b[0], b[1], b[2])
}
