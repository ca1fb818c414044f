//! Operator-dependent values (brand, contacts, periods) that pages show.
//! They come from the server's configuration so that a page never promises
//! what the running system does not do.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SiteInfo {
    pub brand_name: String,
    /// Digits only, international format without '+', as wa.me expects.
    pub whatsapp_number: String,
    pub support_email: String,
    pub default_lease_minutes: u32,
    /// Days after a code before a number serves its platform again for
    /// someone else (None: never).
    pub number_reuse_after_code_days: Option<u32>,
    pub sms_retention_hours: u32,
    pub security_log_retention_days: u32,
    pub ledger_retention_years: u32,
    pub demo_mode: bool,
    /// Admins need two-step sign-in for the admin console.
    pub admin_two_step: bool,
    /// Where customers and bots reach us, when configured.
    pub public_url: Option<String>,
}

impl SiteInfo {
    pub fn whatsapp_link(&self, message: &str) -> String {
        let mut link = format!("https://wa.me/{}", self.whatsapp_number);
        if !message.is_empty() {
            link.push_str("?text=");
            link.push_str(&encode_query_value(message));
        }
        link
    }

    /// "+1 555 010 0100"-style display of the WhatsApp number.
    pub fn whatsapp_display(&self) -> String {
        format!("+{}", self.whatsapp_number)
    }
}

/// `value` percent-encoded for a URL's query.
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Provides the site info to the whole page: read from the server's
/// configuration while the page renders there, and sent along with it
/// for hydration. A plain value, not a resource: it does not change while
/// the server runs, and a resource put a Suspense boundary on every place
/// that shows the brand (together with the shell's other resources, they
/// cost a third of the render of a simple page).
pub fn provide_site_info() {
    let info = SharedValue::<_, crate::wire::Compact>::new_with_encoding(|| {
        #[cfg(feature = "ssr")]
        if let Some(info) = use_context::<std::sync::Arc<SiteInfo>>() {
            return (*info).clone();
        }
        // Only where no request is rendered (listing the routes at start-up)
        // or the page's copy did not deserialise; the foundation tests check
        // that pages show the configured values.
        SiteInfo::default()
    })
    .into_inner();
    provide_context(info);
}

pub fn use_site_info() -> SiteInfo {
    expect_context::<SiteInfo>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whatsapp_link_encodes_message() {
        let info = SiteInfo {
            brand_name: "X".into(),
            whatsapp_number: "15550100100".into(),
            support_email: "s@example.com".into(),
            default_lease_minutes: 20,
            number_reuse_after_code_days: None,
            sms_retention_hours: 24,
            security_log_retention_days: 90,
            ledger_retention_years: 7,
            demo_mode: true,
            admin_two_step: false,
            public_url: None,
        };
        assert_eq!(
            info.whatsapp_link("My ID: UN-7K3Q9M & $5"),
            "https://wa.me/15550100100?text=My%20ID%3A%20UN-7K3Q9M%20%26%20%245"
        );
        assert_eq!(info.whatsapp_link(""), "https://wa.me/15550100100");
    }
}
