use serde::{Deserialize, Serialize};

/// A syntactically valid email address, trimmed and lower-cased so that
/// one mailbox is one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

pub const EMAIL_MAX_LEN: usize = 254;

impl Email {
    pub fn parse(input: &str) -> Result<Email, String> {
        let value = input.trim().to_lowercase();
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
        // We mail codes to it, so the domain needs a dot (no "user@localhost").
        let domain_ok = value.rsplit_once('@').is_some_and(|(_, d)| d.contains('.') && !d.ends_with('.'));
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
        for bad in ["", "ann", "ann@", "@example.com", "ann@localhost", "ann lee@example.com", "a@b@example.com", "<script>@x.com", "ann@example.com'; DROP TABLE users;--"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(300))).is_err());
    }
}
