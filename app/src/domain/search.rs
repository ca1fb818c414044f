//! What someone typed in a search box: trimmed, lower-cased, at most 100
//! characters, found as a part of a text with SQL's `LIKE`.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(String);

impl SearchText {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<SearchText, String> {
        let text = super::lowercase(raw.trim());
        if text.chars().count() > Self::MAX_CHARS {
            return Err(format!("Search for at most {} characters.", Self::MAX_CHARS));
        }
        Ok(SearchText(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits of a search written like (part of) a phone number,
    /// "312 555-01" or "+1 (312"; None for any other text, whose digits
    /// (a device ID's "pixel7") say nothing about a number.
    pub fn phone_digits(&self) -> Option<String> {
        let digits: String = self.0.chars().filter(char::is_ascii_digit).collect();
        (!digits.is_empty() && self.0.chars().all(super::phone::is_phone_char)).then_some(digits)
    }

    /// A pattern for `LOWER(column) LIKE $n ESCAPE '\'` matching texts
    /// that contain this one; its `%` and `_` are literal characters.
    pub fn contains_pattern(&self) -> String {
        format!("%{}%", self.0.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_is_trimmed_lowered_bounded_and_its_wildcards_literal() {
        let s = SearchText::parse("  50%_Off\\ ").unwrap();
        assert_eq!(s.as_str(), "50%_off\\");
        assert_eq!(s.contains_pattern(), "%50\\%\\_off\\\\%");
        assert_eq!(SearchText::parse("").unwrap().contains_pattern(), "%%");
        assert!(SearchText::parse(&"é".repeat(100)).is_ok());
        let digits = |s: &str| SearchText::parse(s).unwrap().phone_digits();
        assert_eq!(digits(" +1 (312) 555-01"), Some("131255501".into()));
        assert_eq!((digits("pixel7"), digits("+-"), digits("")), (None, None, None));
        assert_eq!(SearchText::parse(&"a".repeat(101)), Err("Search for at most 100 characters.".into()));
    }
}
