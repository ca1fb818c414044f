use serde::{Deserialize, Serialize};

/// A syntactically valid email address, trimmed and lower-cased so that
/// one mailbox is one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

pub const EMAIL_MAX_LEN: usize = 254;

impl Email {
    pub fn parse(input: &str) -> Result<Email, String> {
        let value = super::lowercase(input.trim());
        if value.is_empty() {
            return Err("Enter your email address.".into());
        }
        if value.len() > EMAIL_MAX_LEN {
            return Err(format!("An email address has at most {EMAIL_MAX_LEN} characters."));
        }
        let valid = email_address::EmailAddress::parse_with_options(
            &value,
            email_address::Options::default().without_display_text().without_domain_literal(),
        )
        .is_ok();
        // We mail codes to it, so the domain needs a dot (no "user@localhost")
        // and must not be reserved as undeliverable (RFC 2606; deleted
        // accounts get "@deleted.invalid" addresses, which must stay free).
        let domain_ok = value.rsplit_once('@').is_some_and(|(_, d)| {
            d.contains('.') && !d.ends_with('.') && !d.ends_with(".invalid") && !d.ends_with(".localhost")
        });
        if !valid || !domain_ok {
            return Err("Enter a valid email address, like name@example.com.".into());
        }
        Ok(Email(value))
    }

}

super::string_newtype!(Email);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        assert_eq!(Email::parse("  Ann.Lee+otp@Example.COM ").unwrap().as_str(), "ann.lee+otp@example.com");
    }

    #[test]
    fn refuses_bad_syntax() {
        for bad in ["", "ann", "ann@", "@example.com", "ann@localhost", "deleted-7@deleted.invalid", "ann@mail.localhost", "ann lee@example.com", "a@b@example.com", "<script>@x.com", "ann@example.com'; DROP TABLE users;--"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(300))).is_err());
    }

    proptest::proptest! {
        /// An accepted address is stored in a form that parses to itself
        /// (serde re-parses it on every crossing between server and
        /// browser), trimmed, lower-cased and within the length limit.
        #[test]
        fn accepted_addresses_are_fixed_points(text in proptest::prop_oneof![
            "\\PC{0,80}",
            // Near-addresses with characters whose case mapping is odd
            // (İ, the Kelvin sign, ẞ) or that change length when lowered.
            "[ a-zA-Z0-9À-ÿİKẞ._%+-]{1,12}@[a-zA-Z0-9À-ÿİKẞ.-]{1,12}\\.[a-zA-ZİK]{2,5} ?",
        ]) {
            if let Ok(email) = Email::parse(&text) {
                proptest::prop_assert_eq!(Email::parse(email.as_str()), Ok(email.clone()));
                proptest::prop_assert_eq!(email.as_str(), email.as_str().trim().to_lowercase());
                proptest::prop_assert!(email.as_str().len() <= EMAIL_MAX_LEN);
                let json = serde_json::to_string(&email).expect("serialises");
                proptest::prop_assert_eq!(serde_json::from_str::<Email>(&json).ok(), Some(email));
            }
        }

        /// Ordinary addresses are accepted whatever their case and spacing.
        #[test]
        fn ordinary_addresses(local in "[a-z0-9]{1,10}([._+-][a-z0-9]{1,10}){0,2}", domain in "[a-z0-9]{1,12}(-[a-z0-9]{1,5})?\\.[a-z]{2,6}", upper: bool) {
            let typed = format!("  {local}@{domain} ");
            let typed = if upper { typed.to_uppercase() } else { typed };
            proptest::prop_assert_eq!(Email::parse(&typed).map(|e| e.as_str().to_string()), Ok(format!("{local}@{domain}")));
        }
    }
}
