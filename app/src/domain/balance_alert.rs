//! The balance below which a customer wants an email ("Email me when my
//! balance falls below $5"), so a reseller's API calls do not start
//! failing for want of money unnoticed.
use serde::{Deserialize, Serialize};

use super::Money;

/// More than a cent and at most `BALANCE_ALERT_MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Money", into = "Money")]
pub struct BalanceAlert(Money);

pub const BALANCE_ALERT_MAX: Money = Money::from_cents(100_000);

impl BalanceAlert {
    pub fn new(threshold: Money) -> Result<BalanceAlert, String> {
        if !threshold.is_positive() {
            return Err("Enter an amount above zero.".into());
        }
        if threshold > BALANCE_ALERT_MAX {
            return Err(too_high());
        }
        Ok(BalanceAlert(threshold))
    }

    /// What a customer types: "5", "$12.50"; empty turns the email off.
    pub fn parse(input: &str) -> Result<Option<BalanceAlert>, String> {
        if input.trim().is_empty() {
            return Ok(None);
        }
        let threshold = Money::parse_at_most(input, false, BALANCE_ALERT_MAX, too_high)?;
        BalanceAlert::new(threshold).map(Some)
    }

    pub fn threshold(self) -> Money {
        self.0
    }

    /// Whether `balance` is below the threshold.
    pub fn is_low(self, balance: Money) -> bool {
        balance < self.0
    }
}

fn too_high() -> String {
    format!("Choose an amount up to {BALANCE_ALERT_MAX}.")
}

impl TryFrom<Money> for BalanceAlert {
    type Error = String;
    fn try_from(threshold: Money) -> Result<Self, Self::Error> {
        BalanceAlert::new(threshold)
    }
}

impl From<BalanceAlert> for Money {
    fn from(alert: BalanceAlert) -> Self {
        alert.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_from_what_customers_type() {
        assert_eq!(BalanceAlert::parse(" $5 ").map(|a| a.map(|a| a.threshold().cents())), Ok(Some(500)));
        assert_eq!(BalanceAlert::parse("12.50").map(|a| a.map(|a| a.threshold().cents())), Ok(Some(1250)));
        assert_eq!(BalanceAlert::parse("1,000").map(|a| a.map(|a| a.threshold().cents())), Ok(Some(100_000)));
        assert_eq!(BalanceAlert::parse("  "), Ok(None));
        assert_eq!(BalanceAlert::parse("1000.01"), Err("Choose an amount up to $1,000.00.".into()));
        assert_eq!(BalanceAlert::parse("99999999999"), Err("Choose an amount up to $1,000.00.".into()));
        for bad in ["0", "-5", "5.001", "five", "12,50"] {
            assert!(BalanceAlert::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_balance_under_the_threshold_is_what_mails() {
        let alert = BalanceAlert::new(Money::from_cents(500)).unwrap();
        assert!(alert.is_low(Money::from_cents(499)));
        assert!(!alert.is_low(Money::from_cents(500)));
        assert!(BalanceAlert::new(Money::from_cents(0)).is_err());
        assert!(serde_json::from_str::<BalanceAlert>("0").is_err(), "a refused amount is refused in transit too");
    }
}
