use serde::{Deserialize, Serialize};

/// A US phone number in E.164 (+1 and ten digits, area code and exchange
/// not starting with 0 or 1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UsPhoneNumber(String);

impl UsPhoneNumber {
    /// Accepts "+1 (202) 555-0123", "12025550123", "202-555-0123" and the like.
    pub fn parse(input: &str) -> Result<UsPhoneNumber, String> {
        let digits: String = input.chars().filter(|c| c.is_ascii_digit()).collect();
        let allowed = input.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
        let national = match digits.len() {
            10 => digits.as_str(),
            11 if digits.starts_with('1') => &digits[1..],
            _ => return Err("A US number has 10 digits, like (555) 010-0123.".into()),
        };
        let b = national.as_bytes();
        if !allowed || b[0] < b'2' || b[3] < b'2' {
            return Err("This is not a valid US number.".into());
        }
        Ok(UsPhoneNumber(format!("+1{national}")))
    }

    /// A stored E.164 number as people read it ("+1 (202) 555-0123"), or
    /// as stored when it is not one of ours.
    pub fn display_stored(e164: &str) -> String {
        UsPhoneNumber::parse(e164).map(|n| n.display()).unwrap_or_else(|_| e164.to_string())
    }

    /// "+1 (202) 555-0123"
    pub fn display(&self) -> String {
        let n = &self.0[2..];
        format!("+1 ({}) {}-{}", &n[0..3], &n[3..6], &n[6..10])
    }
}

super::string_newtype!(UsPhoneNumber);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        let n = UsPhoneNumber::parse("+1 (202) 555-0123").unwrap();
        assert_eq!(n.as_str(), "+12025550123");
        assert_eq!(n.display(), "+1 (202) 555-0123");
        assert_eq!(UsPhoneNumber::parse("202.555.0123").unwrap(), n);
        for bad in ["", "123", "+44 20 7946 0958", "(055) 555-0123", "(202) 055-0123", "202-555-0123x", "202555012"] {
            assert!(UsPhoneNumber::parse(bad).is_err(), "{bad:?}");
        }
    }
}
