//! A platform in the catalogue as an admin defines it: the slug that names
//! it in the API and in upstream mappings, and the terms customers see.
use serde::{Deserialize, Serialize};

use super::Money;

/// 1 to 32 characters: lower-case ASCII letters, digits and single '-'
/// between them ("whatsapp", "yahoo-mail"). Stable once given: reseller
/// clients and the upstream mappings in the config refer to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlatformSlug(String);

pub const SLUG_MAX: usize = 32;

/// The catch-all platform, for sites without their own entry. It always
/// lists last and cannot be moved (the SQL in `services::platforms` spells
/// it too).
pub const CATCH_ALL_SLUG: &str = "other";

/// Whether `slug` names the catch-all platform.
pub fn is_catch_all(slug: &str) -> bool {
    slug == CATCH_ALL_SLUG
}

impl PlatformSlug {
    pub fn parse(input: &str) -> Result<PlatformSlug, String> {
        let value = input.trim();
        let well_formed = !value.is_empty()
            && value.len() <= SLUG_MAX
            && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !value.starts_with('-')
            && !value.ends_with('-')
            && !value.contains("--");
        if !well_formed {
            return Err(format!("A platform slug has 1 to {SLUG_MAX} lower-case letters, digits and single dashes between them."));
        }
        Ok(PlatformSlug(value.to_string()))
    }

    /// The slug a new platform gets from its name: "Yahoo Mail!" becomes
    /// "yahoo-mail". A name without any Latin letter or digit has none.
    pub fn from_name(name: &PlatformName) -> Result<PlatformSlug, String> {
        let mut slug = String::new();
        for c in name.as_str().chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        let slug = slug.trim_end_matches('-');
        let slug = slug.get(..SLUG_MAX).unwrap_or(slug).trim_end_matches('-');
        PlatformSlug::parse(slug).map_err(|_| "Give the platform a name with at least one Latin letter or digit: it names the platform in the API.".into())
    }
}

super::string_newtype!(PlatformSlug);

/// What customers see: 1 to 40 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlatformName(String);

pub const NAME_MAX: usize = 40;

impl PlatformName {
    pub fn parse(input: &str) -> Result<PlatformName, String> {
        let value = input.trim();
        if value.is_empty() || value.chars().count() > NAME_MAX {
            return Err(format!("A platform name has 1 to {NAME_MAX} characters."));
        }
        if value.chars().any(char::is_control) {
            return Err("A platform name is one line of text.".into());
        }
        Ok(PlatformName(value.to_string()))
    }
}

super::string_newtype!(PlatformName);

/// A brand colour as `#rrggbb` (what a colour input sends), stored
/// lower-case. Shown as the bar beside the platform's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BrandColor(String);

impl BrandColor {
    pub fn parse(input: &str) -> Result<BrandColor, String> {
        let value = input.trim();
        match value.strip_prefix('#') {
            Some(hex) if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => Ok(BrandColor(value.to_ascii_lowercase())),
            _ => Err("A colour is written #rrggbb, like #25d366.".into()),
        }
    }
}

super::string_newtype!(BrandColor);

/// The longest lease window an admin can set: a day.
pub const LEASE_MINUTES_MAX: i64 = 1440;

/// A platform's terms as an admin sets them, checked together so that a
/// form with several mistakes changes nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformTerms {
    pub name: PlatformName,
    pub price: Money,
    pub lease_minutes: i64,
    pub color: BrandColor,
}

impl PlatformTerms {
    pub fn parse(name: &str, price: &str, lease_minutes: &str, color: &str) -> Result<PlatformTerms, String> {
        let name = PlatformName::parse(name)?;
        let price = Money::parse(price, false)?;
        let lease_minutes = lease_minutes
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|m| (1..=LEASE_MINUTES_MAX).contains(m))
            .ok_or_else(|| format!("The lease window is 1 to {LEASE_MINUTES_MAX} minutes."))?;
        let color = BrandColor::parse(color)?;
        Ok(PlatformTerms { name, price, lease_minutes, color })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug_of(name: &str) -> Result<String, String> {
        PlatformSlug::from_name(&PlatformName::parse(name)?).map(String::from)
    }

    #[test]
    fn slugs_come_from_names() {
        assert_eq!(slug_of("Yahoo Mail!").unwrap(), "yahoo-mail");
        assert_eq!(slug_of("  OpenAI / ChatGPT ").unwrap(), "openai-chatgpt");
        assert_eq!(slug_of("Café 24").unwrap(), "caf-24");
        assert_eq!(slug_of(&"ab ".repeat(13)).unwrap().len(), 32);
        assert!(slug_of("ВКонтакте").is_err());
        assert!(slug_of("---").is_err());
    }

    #[test]
    fn slug_rules() {
        assert_eq!(PlatformSlug::parse("whatsapp").unwrap().as_str(), "whatsapp");
        for bad in ["", "WhatsApp", "-x", "x-", "a--b", "a b", "a_b", &"a".repeat(33)] {
            assert!(PlatformSlug::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn terms_are_checked_together() {
        let terms = PlatformTerms::parse(" Yahoo ", "1.25", "15", "#ABCDEF").unwrap();
        assert_eq!((terms.name.as_str(), terms.price.cents(), terms.lease_minutes, terms.color.as_str()), ("Yahoo", 125, 15, "#abcdef"));
        assert!(PlatformTerms::parse("", "1", "15", "#abcdef").unwrap_err().contains("name"));
        assert!(PlatformTerms::parse("Yahoo", "0", "15", "#abcdef").unwrap_err().contains("above zero"));
        assert!(PlatformTerms::parse("Yahoo", "1", "0", "#abcdef").unwrap_err().contains("1 to 1440"));
        assert!(PlatformTerms::parse("Yahoo", "1", "1441", "#abcdef").is_err());
        assert!(PlatformTerms::parse("Yahoo", "1", "15", "red").unwrap_err().contains("#rrggbb"));
        assert!(PlatformTerms::parse("Yahoo", "1", "15", "#abcdeg").is_err());
        assert!(PlatformTerms::parse("Two\nlines", "1", "15", "#abcdef").is_err());
    }

    proptest::proptest! {
        /// Any name with a Latin letter or digit gets a slug that parses
        /// as itself; any other name is refused, never mangled.
        #[test]
        fn slugs_from_any_name_are_well_formed(text in "\\PC{0,50}") {
            if let Ok(name) = PlatformName::parse(&text) {
                match PlatformSlug::from_name(&name) {
                    Ok(slug) => proptest::prop_assert_eq!(PlatformSlug::parse(slug.as_str()), Ok(slug.clone())),
                    Err(_) => proptest::prop_assert!(!name.as_str().chars().any(|c| c.is_ascii_alphanumeric())),
                }
            }
        }

        #[test]
        fn colours_round_trip(text in "#?[0-9a-fA-FxyZ]{0,8}") {
            if let Ok(color) = BrandColor::parse(&text) {
                proptest::prop_assert_eq!(BrandColor::parse(color.as_str()), Ok(color.clone()));
                proptest::prop_assert_eq!(color.as_str().len(), 7);
            }
        }
    }
}
