//! What an admin typed in a search box: trimmed, lower-cased, at most 100
//! characters, found as a part of a text with SQL's `LIKE`.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(String);

impl SearchText {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<SearchText, String> {
        let text = raw.trim().to_lowercase();
        if text.chars().count() > Self::MAX_CHARS {
            return Err(format!("Search for at most {} characters.", Self::MAX_CHARS));
        }
        Ok(SearchText(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
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
        assert_eq!(SearchText::parse(&"a".repeat(101)), Err("Search for at most 100 characters.".into()));
    }
}
