use serde::{Deserialize, Serialize};

/// 3 to 32 characters: lower-case letters, digits, '_', '.' and '-',
/// starting with a letter or digit. Stored lower-cased: unique regardless
/// of case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;

impl Username {
    pub fn parse(input: &str) -> Result<Username, String> {
        let value = super::lowercase(input.trim());
        let len = value.chars().count();
        if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
            return Err(format!("A username has {USERNAME_MIN} to {USERNAME_MAX} characters."));
        }
        if !value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-')) {
            return Err("Use only letters, digits, '_', '.' and '-' in a username.".into());
        }
        if !value.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err("A username starts with a letter or a digit.".into());
        }
        // A deleted account keeps "deleted-<id>" (unique): taken in
        // advance, it would make that account's deletion fail.
        if value.starts_with("deleted-") {
            return Err("Usernames starting with \"deleted-\" are reserved.".into());
        }
        // "un-7k3q9m" would pass for someone's user ID in the admins' lists.
        if value.starts_with("un-") && super::PublicUserId::parse(&value).is_ok() {
            return Err("A username cannot look like a user ID (UN-…).".into());
        }
        Ok(Username(value))
    }

}

super::string_newtype!(Username);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(Username::parse(" Ann_Lee.7 ").unwrap().as_str(), "ann_lee.7");
        for bad in ["ab", "_ann", "ann lee", "ann<b>", "añn", "ann'--", "un-7k3q9m", "UN-7K3Q9M", "deleted-12", "Deleted-x", &"a".repeat(33), &"a".repeat(10_000)] {
            assert!(Username::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    proptest::proptest! {
        /// An accepted name is stored in a form that parses to itself, in
        /// the allowed alphabet and length.
        #[test]
        fn accepted_names_are_fixed_points(text in "\\PC{0,40}") {
            if let Ok(name) = Username::parse(&text) {
                proptest::prop_assert_eq!(Username::parse(name.as_str()), Ok(name.clone()));
                let len = name.as_str().chars().count();
                proptest::prop_assert!((USERNAME_MIN..=USERNAME_MAX).contains(&len));
                proptest::prop_assert!(name.as_str().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b)));
            }
        }
    }
}
