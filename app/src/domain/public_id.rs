use serde::{Deserialize, Serialize};

/// The customer's public ID, quoted over WhatsApp for a recharge: "UN-"
/// and six characters without look-alikes (no 0/O, 1/I), e.g. UN-7K3Q9M.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PublicUserId(String);

pub const PUBLIC_ID_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
pub const PUBLIC_ID_LEN: usize = 6;
const PREFIX: &str = "UN-";

impl PublicUserId {
    /// Accepts what people type: any case, with or without "UN-", spaces.
    pub fn parse(input: &str) -> Result<PublicUserId, String> {
        // ASCII case only: an ID is ASCII, and full Unicode case mapping
        // would read "ß" as "SS" (and bring its tables into the WASM).
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        // Six characters are the body even when they start with "UN" (UN-UN2222 typed bare).
        let body = if compact.len() == PUBLIC_ID_LEN {
            compact.as_str()
        } else {
            compact.strip_prefix(PREFIX).or_else(|| compact.strip_prefix("UN")).unwrap_or(&compact)
        };
        if body.len() != PUBLIC_ID_LEN || !body.bytes().all(|b| PUBLIC_ID_ALPHABET.contains(&b)) {
            return Err("A user ID looks like UN-7K3Q9M.".into());
        }
        Ok(PublicUserId(format!("{PREFIX}{body}")))
    }

    /// Builds an ID from random bytes (one per character).
    pub fn from_random(bytes: [u8; PUBLIC_ID_LEN]) -> PublicUserId {
        // 32 symbols divide 256 evenly, so `% 32` is unbiased.
        let body: String = bytes
            .iter()
            .map(|b| PUBLIC_ID_ALPHABET[(*b as usize) % PUBLIC_ID_ALPHABET.len()] as char)
            .collect();
        PublicUserId(format!("{PREFIX}{body}"))
    }

}

super::string_newtype!(PublicUserId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_people_type() {
        assert_eq!(PublicUserId::parse("un-7k3q9m").unwrap().as_str(), "UN-7K3Q9M");
        assert_eq!(PublicUserId::parse("7K3 Q9M").unwrap().as_str(), "UN-7K3Q9M");
        assert_eq!(PublicUserId::parse("un2222").unwrap().as_str(), "UN-UN2222");
        assert_eq!(PublicUserId::parse("UNUN2222").unwrap().as_str(), "UN-UN2222");
        for bad in ["UN-7K3Q9", "UN-0K3Q9M", "UN-IK3Q9M", "UN-7K3Q9MM", "", "UN-7Kß9M"] {
            assert!(PublicUserId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn random_ids_round_trip() {
        for seed in 0..=255u8 {
            let id = PublicUserId::from_random([seed, seed.wrapping_mul(7), 3, 250, 128, 64]);
            assert_eq!(PublicUserId::parse(id.as_str()).unwrap(), id);
        }
    }

    proptest::proptest! {
        /// However a customer types their ID (case, prefix, spaces), it is
        /// the same ID; and any text gets an answer.
        #[test]
        fn typed_ids_are_the_same_id(bytes: [u8; PUBLIC_ID_LEN], style in 0..4usize, noise in "\\PC{0,20}") {
            let id = PublicUserId::from_random(bytes);
            let body = &id.as_str()[PREFIX.len()..];
            let typed = match style {
                0 => id.as_str().to_lowercase(),
                1 => body.to_string(),
                2 => format!(" un {} {} ", &body[..3], &body[3..]),
                _ => format!("UN{body}"),
            };
            proptest::prop_assert_eq!(PublicUserId::parse(&typed), Ok(id));
            if let Ok(other) = PublicUserId::parse(&noise) {
                proptest::prop_assert_eq!(PublicUserId::parse(other.as_str()), Ok(other));
            }
        }
    }
}
