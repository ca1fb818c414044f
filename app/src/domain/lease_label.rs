//! A customer's own name for one of their leases ("work Telegram"): with
//! "Rent again", the list of numbers must say which account each opened.
use serde::{Deserialize, Serialize};

use super::{SearchText, UsPhoneNumber};

pub const LEASE_LABEL_MAX: usize = 60;

/// 1 to 60 characters on one line, runs of white space made one space.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LeaseLabel(String);

impl LeaseLabel {
    pub fn parse(input: &str) -> Result<LeaseLabel, String> {
        let value = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if value.is_empty() {
            return Err("Write a label, or leave the field empty to remove it.".into());
        }
        if value.chars().count() > LEASE_LABEL_MAX {
            return Err(format!("A label has at most {LEASE_LABEL_MAX} characters."));
        }
        if value.chars().any(char::is_control) {
            return Err("A label cannot hold control characters.".into());
        }
        Ok(LeaseLabel(value))
    }

    /// A form's field: empty (or blank) means no label.
    pub fn optional(input: &str) -> Result<Option<LeaseLabel>, String> {
        if input.trim().is_empty() {
            Ok(None)
        } else {
            LeaseLabel::parse(input).map(Some)
        }
    }
}

super::string_newtype!(LeaseLabel);

/// What a customer types to find their leases: a number as people write
/// it, or a part of a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseSearch {
    Everything,
    Number(UsPhoneNumber),
    Label(SearchText),
}

impl LeaseSearch {
    /// Text of a phone number's characters only ("555-0100", "+1 (202)")
    /// is a number, and must be a whole one (a typo is told); any other
    /// text is looked for in the labels.
    pub fn parse(input: &str) -> Result<LeaseSearch, String> {
        let text = SearchText::parse(input)?;
        if text.as_str().is_empty() {
            Ok(LeaseSearch::Everything)
        } else if text.phone_digits().is_some() {
            UsPhoneNumber::parse(input).map(LeaseSearch::Number)
        } else {
            Ok(LeaseSearch::Label(text))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(LeaseLabel::parse("  work \t Telegram \n").unwrap().as_str(), "work Telegram");
        assert_eq!(LeaseLabel::parse(&"é".repeat(60)).unwrap().as_str().chars().count(), 60);
        assert_eq!(LeaseLabel::optional(" \n "), Ok(None));
        for bad in ["", "  ", &"a".repeat(61), "bell\u{7}", "nul\u{0}x"] {
            assert!(LeaseLabel::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(LeaseLabel::optional(&"a".repeat(61)).is_err());
    }

    #[test]
    fn a_search_is_a_number_or_part_of_a_label() {
        assert_eq!(LeaseSearch::parse("  "), Ok(LeaseSearch::Everything));
        assert_eq!(LeaseSearch::parse("+1 (202) 555-0100"), Ok(LeaseSearch::Number(UsPhoneNumber::parse("2025550100").unwrap())));
        assert_eq!(LeaseSearch::parse("555-01"), Err("A US number has 10 digits, like (555) 010-0123.".into()));
        assert_eq!(LeaseSearch::parse(" Work "), Ok(LeaseSearch::Label(SearchText::parse("work").unwrap())));
        assert_eq!(LeaseSearch::parse("bank 2"), Ok(LeaseSearch::Label(SearchText::parse("bank 2").unwrap())));
        assert!(LeaseSearch::parse(&"a".repeat(101)).is_err());
    }

    proptest::proptest! {
        /// An accepted label is kept in a form that parses to itself.
        #[test]
        fn accepted_labels_are_fixed_points(text in "\\PC{0,80}") {
            if let Ok(label) = LeaseLabel::parse(&text) {
                proptest::prop_assert_eq!(LeaseLabel::parse(label.as_str()), Ok(label.clone()));
                proptest::prop_assert!(label.as_str().chars().count() <= LEASE_LABEL_MAX);
            }
        }
    }
}
