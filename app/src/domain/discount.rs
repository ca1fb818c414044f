//! A customer's discount off the list prices (a reseller, a regular),
//! set by an admin. Applied here and nowhere else, so the price the page
//! shows is the one the server charges.
use serde::{Deserialize, Serialize};

use super::Money;

/// 0 to 90 percent off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Discount(u8);

pub const DISCOUNT_MAX_PERCENT: i64 = 90;

impl Discount {
    pub const NONE: Discount = Discount(0);

    pub fn from_percent(percent: i64) -> Result<Discount, String> {
        u8::try_from(percent).ok().filter(|p| i64::from(*p) <= DISCOUNT_MAX_PERCENT).map(Discount).ok_or_else(not_a_discount)
    }

    /// As the database holds it: a value the type refuses (written by
    /// hand) counts as none.
    pub fn stored(percent: i64) -> Discount {
        Discount::from_percent(percent).unwrap_or_default()
    }

    /// What an admin types: "15", "15%", "15 %"; empty is none.
    pub fn parse(input: &str) -> Result<Discount, String> {
        let text = input.trim();
        let text = text.strip_suffix('%').unwrap_or(text).trim();
        if text.is_empty() {
            return Ok(Discount::NONE);
        }
        let percent = text.parse::<i64>().map_err(|_| not_a_discount())?;
        Discount::from_percent(percent)
    }

    pub fn percent(self) -> i64 {
        i64::from(self.0)
    }

    pub fn is_none(self) -> bool {
        self.0 == 0
    }

    /// The customer's price for a list price: rounded to the nearest cent
    /// (halves up), never below one cent, so a lease always costs something.
    pub fn apply(self, list: Money) -> Money {
        if self.is_none() || !list.is_positive() {
            return list;
        }
        let cents = (list.cents().saturating_mul(100 - self.percent()) + 50) / 100;
        Money::from_cents(cents.max(1))
    }
}

fn not_a_discount() -> String {
    format!("A discount is a whole number of percent from 0 to {DISCOUNT_MAX_PERCENT}.")
}

impl TryFrom<i64> for Discount {
    type Error = String;
    fn try_from(percent: i64) -> Result<Self, Self::Error> {
        Discount::from_percent(percent)
    }
}

impl From<Discount> for i64 {
    fn from(discount: Discount) -> Self {
        discount.percent()
    }
}

impl std::fmt::Display for Discount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} %", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_from_what_admins_type() {
        assert_eq!(Discount::parse(" 15 % ").map(Discount::percent), Ok(15));
        assert_eq!(Discount::parse("15%").map(Discount::percent), Ok(15));
        assert_eq!(Discount::parse(""), Ok(Discount::NONE));
        assert_eq!(Discount::parse("90").map(|d| d.to_string()), Ok("90 %".into()));
        assert_eq!((Discount::stored(20).percent(), Discount::stored(91), Discount::stored(-1)), (20, Discount::NONE, Discount::NONE));
        for bad in ["91", "-5", "12.5", "ten", "1e2", "300"] {
            assert!(Discount::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn applied_to_the_nearest_cent_and_never_free() {
        let d = |p| Discount::from_percent(p).unwrap();
        assert_eq!(d(20).apply(Money::from_cents(120)), Money::from_cents(96));
        assert_eq!(d(10).apply(Money::from_cents(125)), Money::from_cents(113), "112.5 rounds up");
        assert_eq!(d(15).apply(Money::from_cents(150)), Money::from_cents(128), "127.5 rounds up");
        assert_eq!(d(90).apply(Money::from_cents(1)), Money::from_cents(1));
        assert_eq!(d(0).apply(Money::from_cents(77)), Money::from_cents(77));
    }

    proptest::proptest! {
        /// A discounted price is positive, at most the list price, and
        /// within a cent of the exact share.
        #[test]
        fn a_discount_lowers_a_price_within_a_cent(cents in 1i64..10_000_000, percent in 0i64..=90) {
            let price = Discount::from_percent(percent).unwrap().apply(Money::from_cents(cents)).cents();
            proptest::prop_assert!(price >= 1 && price <= cents);
            let exact = cents * (100 - percent);
            proptest::prop_assert!((price * 100 - exact).abs() <= 100);
        }
    }
}
