//! Money as whole US cents. Bills are additive and must reconcile to the cent, so no
//! floating point anywhere.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = i64))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cents(pub i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    pub fn from_dollars_and_cents(dollars: i64, cents: i64) -> Self {
        Cents(dollars * 100 + cents)
    }

    pub fn checked_add(self, other: Cents) -> Option<Cents> {
        self.0.checked_add(other.0).map(Cents)
    }

    /// `rate` in basis points (1/100 of a percent), rounded half away from zero; used
    /// for taxes and fees on a bill.
    pub fn percent_bp(self, basis_points: i64) -> Cents {
        let scaled = self.0 as i128 * basis_points as i128;
        let rounded = (scaled + scaled.signum() * 5_000) / 10_000;
        Cents(rounded as i64)
    }
}

impl Add for Cents {
    type Output = Cents;
    fn add(self, rhs: Cents) -> Cents {
        Cents(self.0 + rhs.0)
    }
}

impl AddAssign for Cents {
    fn add_assign(&mut self, rhs: Cents) {
        self.0 += rhs.0;
    }
}

impl Sub for Cents {
    type Output = Cents;
    fn sub(self, rhs: Cents) -> Cents {
        Cents(self.0 - rhs.0)
    }
}

impl Neg for Cents {
    type Output = Cents;
    fn neg(self) -> Cents {
        Cents(-self.0)
    }
}

impl Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        iter.fold(Cents::ZERO, Add::add)
    }
}

impl fmt::Display for Cents {
    /// `$1,234.05`, `-$0.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let dollars = (abs / 100).to_string();
        let mut grouped = String::with_capacity(dollars.len() + dollars.len() / 3);
        for (i, c) in dollars.chars().enumerate() {
            if i > 0 && (dollars.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "{sign}${grouped}.{:02}", abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn displays_like_a_bill() {
        assert_eq!(Cents(0).to_string(), "$0.00");
        assert_eq!(Cents(5).to_string(), "$0.05");
        assert_eq!(Cents(123_405).to_string(), "$1,234.05");
        assert_eq!(Cents(-50).to_string(), "-$0.50");
        assert_eq!(Cents(100_000_000).to_string(), "$1,000,000.00");
    }

    #[test]
    fn percentages_round_half_away_from_zero() {
        assert_eq!(Cents(1000).percent_bp(725), Cents(73)); // 72.5 -> 73
        assert_eq!(Cents(-1000).percent_bp(725), Cents(-73));
        assert_eq!(Cents(999).percent_bp(0), Cents(0));
    }

    proptest! {
        #[test]
        fn sums_are_exact_and_order_independent(values in proptest::collection::vec(-1_000_000i64..1_000_000, 0..50)) {
            let forward: Cents = values.iter().copied().map(Cents).sum();
            let backward: Cents = values.iter().rev().copied().map(Cents).sum();
            prop_assert_eq!(forward, backward);
            prop_assert_eq!(forward.0, values.iter().sum::<i64>());
        }

        #[test]
        fn display_round_trips_to_the_cent(c in -10_000_000_000i64..10_000_000_000) {
            let shown = Cents(c).to_string();
            let negative = shown.starts_with('-');
            let digits: String = shown.chars().filter(|ch| ch.is_ascii_digit()).collect();
            let parsed: i64 = digits.parse().unwrap();
            prop_assert_eq!(if negative { -parsed } else { parsed }, c);
        }

        #[test]
        fn percentage_is_within_half_a_cent(c in -1_000_000_000i64..1_000_000_000, bp in 0i64..10_000) {
            let exact = c as f64 * bp as f64 / 10_000.0;
            let got = Cents(c).percent_bp(bp).0 as f64;
            prop_assert!((got - exact).abs() <= 0.5 + 1e-6);
        }
    }
}
