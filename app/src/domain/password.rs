//! Password rules after NIST SP 800-63B-4 for a password that is the only
//! factor: at least 15 characters, at least 64 accepted, no composition
//! rules, and refused when it is the username or email, or common.
use serde::{Deserialize, Serialize};

pub const PASSWORD_MIN_CHARS: usize = 15;
pub const PASSWORD_MAX_CHARS: usize = 128;
const MIN_DISTINCT: usize = 5;

/// Common and breached passwords, one per line (see the file's head). The
/// browser fetches them from `COMMON_PASSWORDS_PATH` for its live hint
/// rather than carrying them in the public pages' WASM, where they were
/// 5 KB gzip of every first visit (BENCHMARKS.md, session 60).
#[cfg(not(feature = "hydrate"))]
pub const COMMON_LIST: &str = include_str!("common_passwords.txt");

/// Where the server serves `COMMON_LIST`.
pub const COMMON_PASSWORDS_PATH: &str = "/common-passwords.txt";

/// A password that passed the rules for a new password. Never serialised
/// back to a client or logged.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(<hidden>)")
    }
}

impl NewPassword {
    /// `username` and `email` are the account's, when known.
    #[cfg(not(feature = "hydrate"))]
    pub fn parse(password: &str, username: Option<&str>, email: Option<&str>) -> Result<NewPassword, String> {
        Self::parse_against(COMMON_LIST, password, username, email)
    }

    /// `parse` with the common passwords given as `COMMON_LIST`'s text: the
    /// browser's copy, or nothing before it arrives.
    pub fn parse_against(common: &str, password: &str, username: Option<&str>, email: Option<&str>) -> Result<NewPassword, String> {
        let chars = password.chars().count();
        if chars < PASSWORD_MIN_CHARS {
            return Err(format!("Use at least {PASSWORD_MIN_CHARS} characters; a short sentence works well."));
        }
        if chars > PASSWORD_MAX_CHARS {
            return Err(format!("Use at most {PASSWORD_MAX_CHARS} characters."));
        }
        let lower = super::lowercase(password.trim());
        let same_as = |other: Option<&str>| other.is_some_and(|o| !o.trim().is_empty() && super::lowercase(o.trim()) == lower);
        if same_as(username) || same_as(email) {
            return Err("Your password must differ from your username and email.".into());
        }
        // Spaces count toward the length but not as variety: "a" and 14
        // spaces, or 15 spaces, is no password.
        if distinct_visible(&lower) < MIN_DISTINCT {
            return Err(format!("Use at least {MIN_DISTINCT} different characters besides spaces; a short sentence works well."));
        }
        if is_common(common, &lower) {
            return Err("This password is too common or was found in a data breach; choose another.".into());
        }
        Ok(NewPassword(password.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn is_common(common: &str, lower: &str) -> bool {
    let mut in_words = false;
    for line in common.lines() {
        if line == "# -- words --" {
            in_words = true;
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if !in_words && line == lower {
            return true;
        }
        // A common word made long by padding, e.g. "password12345678".
        if in_words && lower.starts_with(line) && is_padding(&lower[line.len()..]) {
            return true;
        }
    }
    is_repetition(lower) || is_sequence(lower)
}

/// Different characters besides spaces in `lower` (already lower-cased).
fn distinct_visible(lower: &str) -> usize {
    // At most 128 characters: a linear search is quick, and sorting
    // brought 3 KB of sort code into the sign-up page's WASM.
    let mut seen: Vec<char> = Vec::new();
    for c in lower.chars().filter(|c| !c.is_whitespace()) {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    seen.len()
}

/// Digits, symbols, or a repeat of what came before: no real entropy.
fn is_padding(rest: &str) -> bool {
    rest.chars().all(|c| !c.is_alphabetic()) || is_repetition(rest)
}

/// The same unit of up to 8 characters, repeated ("abcabcabc…").
fn is_repetition(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    (1..=8.min(chars.len() / 2)).any(|unit| {
        chars.len().is_multiple_of(unit) && chars.chunks(unit).all(|c| c == &chars[..unit])
    })
}

/// A run up or down the alphabet or the digits ("123456789012345").
fn is_sequence(s: &str) -> bool {
    let chars: Vec<u32> = s.chars().map(|c| c as u32).collect();
    let step_ok = |step: i64| {
        chars.windows(2).all(|w| {
            let (a, b) = (w[0] as i64, w[1] as i64);
            b - a == step || (step == 1 && a == '9' as i64 && b == '0' as i64) || (step == -1 && a == '0' as i64 && b == '9' as i64)
        })
    };
    chars.len() > 1 && (step_ok(1) || step_ok(-1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_limits() {
        assert!(NewPassword::parse("short pass", None, None).is_err());
        assert!(NewPassword::parse("purple tiger eats 9 plums", None, None).is_ok());
        let long: String = (0..64u32).map(|i| char::from(b'a' + ((i * 7) % 26) as u8)).collect();
        assert!(NewPassword::parse(&long, None, None).is_ok(), "64 accepted");
        assert!(NewPassword::parse(&"ab1".repeat(50), None, None).is_err());
    }

    #[test]
    fn not_username_or_email() {
        assert!(NewPassword::parse("ann.lee@example.com", None, Some("Ann.Lee@example.com")).is_err());
        assert!(NewPassword::parse("a_long_username_x", Some("A_long_username_x"), None).is_err());
    }

    #[test]
    fn common_and_patterned_refused() {
        for bad in ["passwordpassword", "1qaz2wsx3edc4rfv", "password12345678", "Password!!!!!!!!", "aaaaaaaaaaaaaaaa", "123456789012345", "abcabcabcabcabcabc", "Correct Horse Battery Staple".replace(' ', "").as_str(), "qwerty123456789", "               ", "a              ", "1111222233334444", "ab ab ab ab ab ab"] {
            assert!(NewPassword::parse(bad, None, None).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn without_the_list_only_the_list_is_skipped() {
        assert!(NewPassword::parse_against("", "correcthorsebatterystaple", None, None).is_ok());
        assert!(NewPassword::parse_against("", "aaaaaaaaaaaaaaaa", None, None).is_err());
        assert!(NewPassword::parse_against("", "123456789012345", None, None).is_err());
        assert!(NewPassword::parse_against("", "short pass", None, None).is_err());
    }

    #[test]
    fn no_composition_rules() {
        assert!(NewPassword::parse("all lower case words here", None, None).is_ok());
        assert!(NewPassword::parse("ünïcödé pässwörd ok", None, None).is_ok());
    }

    proptest::proptest! {
        /// Any text gets an answer; an accepted password is kept exactly as
        /// typed, within the length limits, and differs from the username.
        #[test]
        fn any_text_gets_an_answer(password in "\\PC{0,140}", username in "[a-z_]{0,12}") {
            if let Ok(accepted) = NewPassword::parse(&password, Some(&username), None) {
                let chars = password.chars().count();
                proptest::prop_assert!((PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&chars));
                proptest::prop_assert_eq!(accepted.expose(), password.as_str());
                proptest::prop_assert_ne!(password.trim().to_lowercase(), username);
                proptest::prop_assert!(distinct_visible(&password.to_lowercase()) >= MIN_DISTINCT);
            }
        }
    }
}
