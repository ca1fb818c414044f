//! The kinds of ledger entries, shared by the server and the Wallet page.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Money the operator received, credited by an admin.
    TopUp,
    /// The price of a number lease.
    LeaseDebit,
    /// A lease's price back: cancelled, expired or switched before a code.
    Refund,
    /// A correction by an admin, with a reason; either sign.
    AdminAdjustment,
}

impl EntryKind {
    pub const ALL: [EntryKind; 4] = [EntryKind::TopUp, EntryKind::LeaseDebit, EntryKind::Refund, EntryKind::AdminAdjustment];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::TopUp => "top_up",
            EntryKind::LeaseDebit => "lease_debit",
            EntryKind::Refund => "refund",
            EntryKind::AdminAdjustment => "admin_adjustment",
        }
    }

    pub fn parse(value: &str) -> Option<EntryKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            EntryKind::TopUp => "Top-up",
            EntryKind::LeaseDebit => "Number",
            EntryKind::Refund => "Refund",
            EntryKind::AdminAdjustment => "Adjustment",
        }
    }

    /// Whether an amount's sign fits the kind: top-ups and refunds add,
    /// lease debits take, adjustments go either way (never zero).
    pub fn allows(self, cents: i64) -> bool {
        match self {
            EntryKind::TopUp | EntryKind::Refund => cents > 0,
            EntryKind::LeaseDebit => cents < 0,
            EntryKind::AdminAdjustment => cents != 0,
        }
    }
}
