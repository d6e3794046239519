//! Monthly invoices: recurring charges for each service, usage from the month's call
//! detail (each usage line is exactly the sum of the charges of its calls), then the
//! Universal Service fee and state and local taxes as percentages of the subtotal.
//! Descriptions are in the customer's language.

use crate::account::Customer;
use crate::{BillingMonth, uuid_at};
use chrono::{Days, NaiveTime};
use cpniguard_core::cpni::{CallDetailRecord, CallType, Direction, Invoice, InvoiceLine, LineCategory, Service};
use cpniguard_core::ids::InvoiceId;
use cpniguard_core::money::Cents;
use rand::Rng;

/// The invoice section a call's charge is billed under. International and received
/// toll-free calls are billed as long distance, each with a line of its own.
pub fn line_category(call_type: CallType) -> LineCategory {
    match call_type {
        CallType::Local => LineCategory::LocalUsage,
        CallType::LongDistance | CallType::International | CallType::TollFree => LineCategory::LongDistance,
        CallType::DirectoryAssistance => LineCategory::DirectoryAssistance,
    }
}

/// Federal Universal Service fee, in basis points of the subtotal.
const USF_BP: i64 = 960;
const DAYS_TO_PAY: u64 = 21;

pub(crate) fn generate(
    rng: &mut impl Rng,
    customer: &Customer,
    services: &[Service],
    calls: &[CallDetailRecord],
    months: &[BillingMonth],
) -> Vec<Invoice> {
    let text = if customer.spanish() { &SPANISH } else { &ENGLISH };
    let local_dates: Vec<_> = calls.iter().map(|c| c.started_at.with_timezone(&customer.tz).date_naive()).collect();
    let mut invoices = Vec::new();
    for month in months.iter().filter(|m| m.complete) {
        let (period_start, period_end) = (month.first, month.last);
        let issued_on = month.calendar_last() + Days::new(1);
        let mut lines = Vec::new();
        for s in services.iter().filter(|s| s.since <= period_end && s.until.is_none_or(|u| u >= period_start)) {
            let description =
                if s.quantity > 1 { format!("{} × {}", s.rate_plan, s.quantity) } else { s.rate_plan.clone() };
            let amount = Cents(s.monthly_rate.0 * i64::from(s.quantity));
            lines.push(InvoiceLine { category: LineCategory::Recurring, description, amount });
        }
        let in_month =
            calls.iter().zip(&local_dates).filter(|(_, d)| (period_start..=period_end).contains(*d)).map(|(c, _)| c);
        // One usage line per call type, in bill order.
        let mut usage = [Usage::default(); CallType::ALL.len()];
        for call in in_month {
            usage[CallType::ALL.iter().position(|t| *t == call.call_type).expect("every call type is listed")]
                .add(call);
        }
        for (&call_type, u) in CallType::ALL.iter().zip(&usage).filter(|(_, u)| u.billed_calls > 0) {
            let description = text.usage(call_type, u);
            lines.push(InvoiceLine { category: line_category(call_type), description, amount: u.charges });
        }
        let subtotal: Cents = lines.iter().map(|l| l.amount).sum();
        for (description, bp) in
            [(text.usf.to_owned(), USF_BP), (format!("{} ({})", text.taxes, customer.city.state), customer.city.tax_bp)]
        {
            lines.push(InvoiceLine {
                category: LineCategory::TaxesAndFees,
                description,
                amount: subtotal.percent_bp(bp),
            });
        }
        let issued_at = issued_on.and_time(NaiveTime::MIN).and_utc();
        invoices.push(Invoice {
            id: InvoiceId(uuid_at(rng, issued_at)),
            account_id: customer.id,
            period_start,
            period_end,
            issued_on,
            due_on: issued_on + Days::new(DAYS_TO_PAY),
            total: lines.iter().map(|l| l.amount).sum(),
            lines,
        });
    }
    invoices
}

#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    /// Calls the line is about: outgoing ones, or received ones on a toll-free number.
    billed_calls: u32,
    minutes: i64,
    /// All charges of the group's calls (received calls are free, except toll-free).
    charges: Cents,
}

impl Usage {
    fn add(&mut self, call: &CallDetailRecord) {
        let received_toll_free = call.call_type == CallType::TollFree && call.direction == Direction::Inbound;
        let outgoing_toll_free = call.call_type == CallType::TollFree && call.direction == Direction::Outbound;
        // Dialled toll-free numbers cost nothing and are not itemised.
        if (call.direction == Direction::Outbound && !outgoing_toll_free) || received_toll_free {
            self.billed_calls += 1;
            self.minutes += i64::from(call.duration_secs.div_ceil(60));
        }
        // The demo rates every call it makes.
        self.charges += call.charge.unwrap_or(Cents::ZERO);
    }
}

struct Wording {
    local: &'static str,
    long_distance: &'static str,
    international: &'static str,
    toll_free: &'static str,
    directory: &'static str,
    calls: &'static str,
    usf: &'static str,
    taxes: &'static str,
}

const ENGLISH: Wording = Wording {
    local: "Local calls",
    long_distance: "Long distance",
    international: "International calls",
    toll_free: "Toll-free calls received",
    directory: "Directory assistance",
    calls: "calls",
    usf: "Federal Universal Service fee",
    taxes: "State and local taxes and 911 fees",
};

const SPANISH: Wording = Wording {
    local: "Llamadas locales",
    long_distance: "Larga distancia",
    international: "Llamadas internacionales",
    toll_free: "Llamadas recibidas en número gratuito",
    directory: "Asistencia de directorio",
    calls: "llamadas",
    usf: "Cargo federal del Servicio Universal",
    taxes: "Impuestos estatales y locales y cargos del 911",
};

impl Wording {
    fn usage(&self, call_type: CallType, u: &Usage) -> String {
        let (n, calls, minutes) = (u.billed_calls, self.calls, u.minutes);
        match call_type {
            CallType::Local => format!("{}: {n} {calls}", self.local),
            CallType::LongDistance => format!("{}: {n} {calls}, {minutes} min", self.long_distance),
            CallType::International => format!("{}: {n} {calls}, {minutes} min", self.international),
            CallType::TollFree => format!("{}: {n} {calls}, {minutes} min", self.toll_free),
            CallType::DirectoryAssistance => format!("{}: {n} {calls}", self.directory),
        }
    }
}
