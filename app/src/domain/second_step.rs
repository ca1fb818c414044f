//! What a person types at the second step of a sign-in: the 6-digit code
//! their authenticator app shows, or one of their single-use recovery
//! codes (ten characters, shown as ABCDE-FGHJK).
use super::public_id::PUBLIC_ID_ALPHABET;

pub const RECOVERY_CODE_LEN: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondStep {
    AppCode(String),
    /// Normalised: upper case, no dash.
    RecoveryCode(String),
}

impl SecondStep {
    /// Accepts what people type: spaces and dashes anywhere, any case.
    pub fn parse(input: &str) -> Result<SecondStep, String> {
        let compact: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_ascii_uppercase();
        if compact.len() == 6 && compact.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(SecondStep::AppCode(compact));
        }
        if compact.len() == RECOVERY_CODE_LEN && compact.bytes().all(|b| PUBLIC_ID_ALPHABET.contains(&b)) {
            return Ok(SecondStep::RecoveryCode(compact));
        }
        Err("Enter the 6-digit code from your authenticator app, or one of your recovery codes.".into())
    }
}

/// A recovery code from random bytes (one per character), as shown.
pub fn recovery_code_from_random(bytes: [u8; RECOVERY_CODE_LEN]) -> String {
    // 32 symbols divide 256 evenly, so `% 32` is unbiased.
    let chars: String = bytes.iter().map(|b| PUBLIC_ID_ALPHABET[(*b as usize) % PUBLIC_ID_ALPHABET.len()] as char).collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_app_codes_and_recovery_codes_as_typed() {
        assert_eq!(SecondStep::parse(" 123 456 "), Ok(SecondStep::AppCode("123456".into())));
        assert_eq!(SecondStep::parse("abcde-fghjk"), Ok(SecondStep::RecoveryCode("ABCDEFGHJK".into())));
        assert_eq!(SecondStep::parse("ABCDEFGHJK"), Ok(SecondStep::RecoveryCode("ABCDEFGHJK".into())));
    }

    #[test]
    fn refuses_anything_else() {
        for bad in ["", "12345", "1234567", "12345a", "ABCDE-FGHJ0", "ABCDE-FGHJI", "ABCDEFGHJKL", "١٢٣٤٥٦"] {
            assert!(SecondStep::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_made_recovery_code_reads_back() {
        let shown = recovery_code_from_random([0, 1, 2, 3, 4, 250, 251, 252, 253, 255]);
        assert_eq!(shown.len(), RECOVERY_CODE_LEN + 1);
        assert!(matches!(SecondStep::parse(&shown), Ok(SecondStep::RecoveryCode(c)) if c == shown.replace('-', "")));
    }

    proptest::proptest! {
        /// A code shown to a person reads back however they type it (case,
        /// spaces, the dash or none); any text gets an answer, and what is
        /// accepted is already in its one stored form.
        #[test]
        fn codes_read_back_as_typed(bytes: [u8; RECOVERY_CODE_LEN], digits in "[0-9]{6}", style in 0..3usize, noise in "\\PC{0,24}") {
            let shown = recovery_code_from_random(bytes);
            let typed = match style {
                0 => shown.to_lowercase(),
                1 => format!(" {} {} ", &shown[..5], &shown[6..]),
                _ => shown.replace('-', ""),
            };
            proptest::prop_assert_eq!(SecondStep::parse(&typed), Ok(SecondStep::RecoveryCode(shown.replace('-', ""))));
            let spaced = format!("{} {}", &digits[..3], &digits[3..]);
            proptest::prop_assert_eq!(SecondStep::parse(&spaced), Ok(SecondStep::AppCode(digits.clone())));
            match SecondStep::parse(&noise) {
                Ok(SecondStep::AppCode(code)) => proptest::prop_assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())),
                Ok(SecondStep::RecoveryCode(code)) => proptest::prop_assert_eq!(SecondStep::parse(&code), Ok(SecondStep::RecoveryCode(code.clone()))),
                Err(_) => {}
            }
        }
    }
}
