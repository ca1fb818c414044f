//! Money in integer cents (US dollars). Parsing accepts what people type
//! ("12", "12.5", "$12.50"); arithmetic is checked; formatting is done here
//! and nowhere else.
use serde::{Deserialize, Serialize};

/// A signed amount of cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(i64);

/// The largest single top-up or adjustment: $10,000.00.
pub const MAX_TRANSFER: Money = Money(1_000_000);

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_cents(cents: i64) -> Money {
        Money(cents)
    }

    pub const fn cents(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_neg(self) -> Option<Money> {
        self.0.checked_neg().map(Money)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// "12.50", "-0.05": the plain decimal that forms and the SMS-Activate
    /// protocol use (no currency sign, no grouping).
    pub fn decimal(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        format!("{sign}{}.{:02}", self.0.unsigned_abs() / 100, self.0.unsigned_abs() % 100)
    }

    /// Parses a dollar amount with at most two decimals; the sign is
    /// allowed only when `allow_negative`.
    pub fn parse(input: &str, allow_negative: bool) -> Result<Money, String> {
        Money::parse_at_most(input, allow_negative, MAX_TRANSFER, || format!("The most at once is {MAX_TRANSFER}."))
    }

    /// As `parse`, for an amount with a lower ceiling of its own (`most`,
    /// at most `MAX_TRANSFER`), which `too_much` words.
    pub fn parse_at_most(input: &str, allow_negative: bool, most: Money, too_much: impl FnOnce() -> String) -> Result<Money, String> {
        debug_assert!(most <= MAX_TRANSFER);
        let text = input.trim();
        let (negative, text) = match text.strip_prefix('-') {
            Some(rest) => (true, rest.trim()),
            None => (false, text),
        };
        let text = text.strip_prefix('$').unwrap_or(text).trim();
        if negative && !allow_negative {
            return Err("Enter a positive amount.".into());
        }
        if text.is_empty() {
            return Err("Enter an amount, like 5 or 12.50.".into());
        }
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let whole = ungroup(whole)?;
        let whole = whole.as_str();
        if whole.is_empty() && fraction.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return Err("Enter an amount in dollars, like 5 or 12.50.".into());
        }
        if fraction.len() > 2 {
            return Err("Amounts have at most two decimals (whole cents).".into());
        }
        if whole.len() > 9 {
            return Err(too_much());
        }
        let dollars: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| "Enter a valid amount.".to_string())? };
        let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| "Enter a valid amount.".to_string())?;
        let total = dollars * 100 + cents;
        if total == 0 {
            return Err("Enter an amount above zero.".into());
        }
        if total > most.0 {
            return Err(too_much());
        }
        Ok(Money(if negative { -total } else { total }))
    }
}

/// "1,250" is 1250; "12,50" is refused, not read as 1250: in much of the
/// world the comma marks the cents, and an admin's top-up would be 100×.
fn ungroup(whole: &str) -> Result<String, String> {
    if !whole.contains(',') {
        return Ok(whole.to_string());
    }
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or_default();
    if first.is_empty() || first.len() > 3 || !groups.all(|g| g.len() == 3) {
        return Err("Use a dot for cents, like 12.50; commas only group thousands, like 1,250.".into());
    }
    Ok(whole.replace(',', ""))
}

impl std::fmt::Display for Money {
    /// "$12.50", "-$0.05", "$1,234.00".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let dollars = (abs / 100).to_string();
        let mut grouped = String::new();
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

    #[test]
    fn parses_what_people_type() {
        assert_eq!(Money::parse("12", false), Ok(Money(1200)));
        assert_eq!(Money::parse(" $12.5 ", false), Ok(Money(1250)));
        assert_eq!(Money::parse("0.05", false), Ok(Money(5)));
        assert_eq!(Money::parse(".75", false), Ok(Money(75)));
        assert_eq!(Money::parse("1,000.00", false), Ok(Money(100_000)));
        assert_eq!(Money::parse("$9,999", false), Ok(Money(999_900)));
        assert_eq!(Money::parse("-1,250.5", true), Ok(Money(-125_050)));
        assert_eq!(Money::parse("-3.10", true), Ok(Money(-310)));
    }

    #[test]
    fn refuses_bad_amounts() {
        for bad in ["", "abc", "-5", "1.234", "0", "0.00", "10000.01", "99999999999999999999", "1e3", "12.5.1", "$", "--1", "NaN", "١٢", "12,50", "1,5", ",500", "1,0000", "10,00.50", "1.000,50", "12.5,0"] {
            assert!(Money::parse(bad, false).is_err(), "{bad:?} accepted");
        }
        assert!(Money::parse("-10000.01", true).is_err());
        for too_much in ["10000.01", "99999999999"] {
            assert_eq!(Money::parse(too_much, false), Err("The most at once is $10,000.00.".into()));
        }
    }

    #[test]
    fn formats_once() {
        assert_eq!(Money(1250).to_string(), "$12.50");
        assert_eq!(Money(-5).to_string(), "-$0.05");
        assert_eq!(Money(123_456_789).to_string(), "$1,234,567.89");
        assert_eq!(Money(0).to_string(), "$0.00");
        assert_eq!(Money(1250).decimal(), "12.50");
        assert_eq!(Money(-5).decimal(), "-0.05");
        assert_eq!(Money(123_456_789).decimal(), "1234567.89");
        assert_eq!(Money::parse(&Money(-120).decimal(), true), Ok(Money(-120)), "forms read it back");
    }

    proptest::proptest! {
        /// What we print, forms and people read back as the same amount.
        #[test]
        fn printed_amounts_read_back(cents in 1..=MAX_TRANSFER.0) {
            let m = Money(cents);
            proptest::prop_assert_eq!(Money::parse(&m.decimal(), false), Ok(m));
            proptest::prop_assert_eq!(Money::parse(&m.to_string(), false), Ok(m));
            proptest::prop_assert_eq!(Money::parse(&Money(-cents).decimal(), true), Ok(Money(-cents)));
            proptest::prop_assert_eq!(Money::parse(&Money(-cents).to_string(), true), Ok(Money(-cents)));
        }

        /// Any text gets an answer, never a panic; an accepted amount is
        /// in range and signed only when a sign is allowed.
        #[test]
        fn any_text_gets_an_answer(text in "\\PC{0,40}", allow_negative: bool) {
            if let Ok(m) = Money::parse(&text, allow_negative) {
                proptest::prop_assert!(m.0 != 0 && m.0.abs() <= MAX_TRANSFER.0, "{:?} gave {:?}", text, m);
                proptest::prop_assert!(allow_negative || m.0 > 0);
            }
        }

        /// Amounts as people type them: with or without "$", cents, spaces.
        #[test]
        fn typed_amounts(dollars in 0i64..=10_000, cents in 0i64..100, style in 0..4usize) {
            let text = match style {
                0 => format!("{dollars}.{cents:02}"),
                1 => format!(" ${dollars}.{cents:02} "),
                2 => format!("{}", Money(dollars * 100 + cents)),
                _ => format!("{dollars}"),
            };
            let expected = if style == 3 { dollars * 100 } else { dollars * 100 + cents };
            let parsed = Money::parse(&text, false);
            if expected == 0 || expected > MAX_TRANSFER.0 {
                proptest::prop_assert!(parsed.is_err(), "{:?} accepted", text);
            } else {
                proptest::prop_assert_eq!(parsed, Ok(Money(expected)), "{:?}", text);
            }
        }
    }
}
