//! Random tokens and their stored form. Tokens are high-entropy, so a
//! plain SHA-256 is what is kept (no salt or slow hash needed); guessable
//! values (codes, IP addresses) are kept as an HMAC under the server's key.
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// 256 random bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// HMAC-SHA-256 under `key` of the `parts` one after another.
pub fn keyed_bytes(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// `keyed_bytes` in hex.
pub fn keyed_hex(key: &[u8], parts: &[&[u8]]) -> String {
    hex::encode(keyed_bytes(key, parts))
}
