use serde::{Deserialize, Serialize};

/// What an account may do. Stored as text, so more roles can follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    /// Staff who answer customers: the support inbox and the customers'
    /// records, never money, prices, numbers, roles or the logs.
    Support,
    Admin,
}

/// A part of the admin console, by what it lets staff do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Desk {
    /// Tickets, saved replies, finding a customer and reading their
    /// record, revoking a leaked API key.
    Support,
    /// Everything else: wallets, the catalogue, the number pool, the
    /// dashboard's money, announcements, roles, the logs.
    Operations,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Customer, Role::Support, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Support => "support",
            Role::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Customer => "Customer",
            Role::Support => "Support staff",
            Role::Admin => "Administrator",
        }
    }

    /// Staff: anyone who may open some part of the admin console.
    pub fn is_staff(self) -> bool {
        self != Role::Customer
    }

    pub fn may_use(self, desk: Desk) -> bool {
        match (self, desk) {
            (Role::Admin, _) | (Role::Support, Desk::Support) => true,
            (Role::Support, Desk::Operations) | (Role::Customer, _) => false,
        }
    }

    /// Where this role's admin console starts (the header links it): the
    /// dashboard, or the support inbox for support staff.
    pub fn console_home(self) -> Option<&'static str> {
        match self {
            Role::Admin => Some("/admin"),
            Role::Support => Some("/admin/support"),
            Role::Customer => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn support_staff_use_the_support_desk_only() {
        assert!(Role::Admin.may_use(Desk::Operations) && Role::Admin.may_use(Desk::Support));
        assert!(Role::Support.may_use(Desk::Support) && !Role::Support.may_use(Desk::Operations));
        assert!(!Role::Customer.may_use(Desk::Support) && !Role::Customer.may_use(Desk::Operations));
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
