use serde::{Deserialize, Serialize};

/// A US phone number in E.164 (+1 and ten digits, area code and exchange
/// not starting with 0 or 1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UsPhoneNumber(String);

/// The characters a phone number is written with: digits and " +-().".
pub fn is_phone_char(c: char) -> bool {
    c.is_ascii_digit() || " +-().".contains(c)
}

impl UsPhoneNumber {
    /// Accepts "+1 (202) 555-0123", "12025550123", "202-555-0123" and the like.
    pub fn parse(input: &str) -> Result<UsPhoneNumber, String> {
        let digits: String = input.chars().filter(|c| c.is_ascii_digit()).collect();
        let allowed = input.chars().all(is_phone_char);
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

    proptest::proptest! {
        /// Every valid US number, in the notations people use, is one
        /// stored number, and its display form reads back as the same.
        #[test]
        fn every_notation_is_one_number(area in 200u32..1000, exchange in 200u32..1000, line in 0u32..10_000, style in 0..5usize) {
            let typed = match style {
                0 => format!("+1 ({area}) {exchange}-{line:04}"),
                1 => format!("1{area}{exchange}{line:04}"),
                2 => format!("{area}.{exchange}.{line:04}"),
                3 => format!(" {area}-{exchange}-{line:04} "),
                _ => format!("+1{area}{exchange}{line:04}"),
            };
            let number = UsPhoneNumber::parse(&typed).expect("a valid number");
            proptest::prop_assert_eq!(number.as_str(), format!("+1{area}{exchange}{line:04}"));
            proptest::prop_assert_eq!(UsPhoneNumber::parse(&number.display()), Ok(number.clone()));
            proptest::prop_assert_eq!(UsPhoneNumber::parse(number.as_str()), Ok(number));
        }

        /// Any text gets an answer; what is accepted is +1 and ten digits
        /// with a valid area code and exchange.
        #[test]
        fn any_text_gets_an_answer(text in "\\PC{0,30}") {
            if let Ok(number) = UsPhoneNumber::parse(&text) {
                let n = number.as_str().as_bytes();
                proptest::prop_assert!(n.len() == 12 && number.as_str().starts_with("+1"));
                proptest::prop_assert!(n[2..].iter().all(u8::is_ascii_digit) && n[2] >= b'2' && n[5] >= b'2', "{}", number.as_str());
            }
        }
    }
}
