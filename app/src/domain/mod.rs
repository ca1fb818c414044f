//! Domain types shared by the server and the WASM client. Each constructor
//! validates; code that holds one of these can trust it.

/// `TryFrom<String>` through `parse`, `From<T> for String`, `Display`
/// and `as_str` for a validated string newtype.
macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                $name::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use string_newtype;

/// `text` in lower case, by Unicode's rules. In the browser this asks
/// JavaScript's `toLowerCase`, which follows the same rules: Rust's
/// `to_lowercase` carries its Unicode tables, some 14 KB of every page's
/// WASM. The server's answer decides; the browser's is for hints.
pub fn lowercase(text: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        String::from(leptos::web_sys::js_sys::JsString::from(text).to_lower_case())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        text.to_lowercase()
    }
}

pub mod announcement;
pub mod balance_alert;
pub mod discount;
pub mod email;
pub mod lease;
pub mod lease_label;
pub mod ledger;
pub mod money;
pub mod password;
pub mod phone;
pub mod platform;
pub mod public_id;
pub mod role;
pub mod search;
pub mod second_step;
pub mod username;

pub use announcement::{Announcement, AnnouncementLevel, ShownAnnouncement};
pub use balance_alert::{BalanceAlert, BALANCE_ALERT_MAX};
pub use discount::{Discount, DISCOUNT_MAX_PERCENT};
pub use email::Email;
pub use lease::{LeaseEvent, LeaseState, Transition, TransitionError};
pub use lease_label::{LeaseLabel, LeaseSearch, LEASE_LABEL_MAX};
pub use ledger::EntryKind;
pub use money::Money;
pub use password::{NewPassword, COMMON_PASSWORDS_PATH};
pub use phone::UsPhoneNumber;
pub use platform::{is_catch_all, BrandColor, PlatformName, PlatformSlug, PlatformTerms, CATCH_ALL_SLUG};
pub use public_id::PublicUserId;
pub use role::{Desk, Role};
pub use search::SearchText;
pub use second_step::SecondStep;
pub use username::Username;
