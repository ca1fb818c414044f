//! The admin dashboard's figures: today and the last 30 days.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{domain::Money, error::AppError};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PeriodFigures {
    /// Lease fees charged.
    pub revenue: Money,
    pub refunds: Money,
    pub net: Money,
    /// Top-ups credited to wallets.
    pub top_ups: Money,
    pub leases: i64,
    pub leases_with_code: i64,
    /// Median seconds from renting to the first code.
    pub median_secs_to_code: Option<i64>,
    pub new_users: i64,
}

impl PeriodFigures {
    pub fn code_share_percent(&self) -> Option<i64> {
        (self.leases > 0).then(|| (self.leases_with_code * 100 + self.leases / 2) / self.leases)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayFigures {
    /// UTC midnight, milliseconds.
    pub day: i64,
    pub revenue: Money,
    pub refunds: Money,
    pub leases: i64,
}

/// How support keeps up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupportFigures {
    pub open: i64,
    /// Open tickets whose last message is the customer's.
    pub awaiting_reply: i64,
    pub opened_last_30_days: i64,
    /// Median seconds from a ticket opened in the last 30 days to support's
    /// first reply (tickets still unanswered are not counted).
    pub median_secs_to_first_reply: Option<i64>,
}

/// The customers' money we hold: what the operator owes in service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalletFigures {
    /// The sum of every wallet's balance now.
    pub held: Money,
    /// Wallets with money in them.
    pub funded: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub today: PeriodFigures,
    pub last_30_days: PeriodFigures,
    /// Oldest first, 30 entries.
    pub days: Vec<DayFigures>,
    /// (label, count) over the last 30 days.
    pub by_outcome: Vec<(String, i64)>,
    /// (platform, leases, leases with a code) over the last 30 days.
    pub by_platform: Vec<(String, i64, i64)>,
    pub support: SupportFigures,
    pub wallets: WalletFigures,
}

#[server(endpoint = "admin/dashboard", protocol = crate::wire::Wire)]
pub async fn admin_dashboard() -> Result<Dashboard, AppError> {
    use crate::services::{dashboard, request::require_admin, services};
    require_admin()?;
    dashboard::figures(&*services()?).await
}
