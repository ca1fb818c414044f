//! Signatures of inbound SMS webhooks, checked before any field is
//! trusted. Comparisons take constant time.
use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Webhook timestamps further than this from now are refused (replays).
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;

use super::{constant_time::eq as equal, tokens::keyed_hex};

/// Twilio: base64 HMAC-SHA1, keyed with the auth token, of the public URL
/// followed by each POST parameter, sorted by name, as name then value.
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("any key length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    STANDARD.encode(mac.finalize().into_bytes())
}

pub fn twilio_valid(auth_token: &str, url: &str, params: &[(String, String)], header: &str) -> bool {
    equal(twilio_signature(auth_token, url, params).as_bytes(), header.trim().as_bytes())
}

/// A timestamp in seconds (or milliseconds) close enough to `now_ms`.
fn fresh(timestamp: &str, now_ms: i64) -> bool {
    let Ok(value) = timestamp.trim().parse::<i64>() else { return false };
    let secs = if value > 100_000_000_000 { value / 1000 } else { value };
    (now_ms / 1000 - secs).abs() <= MAX_CLOCK_SKEW_SECS
}

/// SMS Gateway for Android: X-Signature is hex HMAC-SHA256 of the raw
/// body followed by the X-Timestamp value.
pub fn android_gateway_signature(secret: &str, body: &[u8], timestamp: &str) -> String {
    keyed_hex(secret.as_bytes(), &[body, timestamp.trim().as_bytes()])
}

pub fn android_gateway_valid(secret: &str, body: &[u8], timestamp: &str, signature: &str, now_ms: i64) -> bool {
    fresh(timestamp, now_ms)
        && equal(android_gateway_signature(secret, body, timestamp).as_bytes(), signature.trim().to_ascii_lowercase().as_bytes())
}

/// Our generic gateway webhook: X-USNH-Signature is hex HMAC-SHA256 of
/// the X-USNH-Timestamp value (unix seconds), a dot, and the raw body.
pub fn generic_signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    keyed_hex(secret.as_bytes(), &[timestamp.trim().as_bytes(), b".", body])
}

pub fn generic_valid(secret: &str, body: &[u8], timestamp: &str, signature: &str, now_ms: i64) -> bool {
    fresh(timestamp, now_ms)
        && equal(generic_signature(secret, timestamp, body).as_bytes(), signature.trim().to_ascii_lowercase().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn twilio_example() -> Vec<(String, String)> {
        [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    const TWILIO_URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    /// Twilio's published example (auth token 12345).
    #[test]
    fn twilio_published_example() {
        assert_eq!(twilio_signature("12345", TWILIO_URL, &twilio_example()), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assert!(twilio_valid("12345", TWILIO_URL, &twilio_example(), "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    }

    #[test]
    fn twilio_any_change_fails() {
        let good = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";
        for i in 0..5 {
            let mut params = twilio_example();
            params[i].1.push('0');
            assert!(!twilio_valid("12345", TWILIO_URL, &params, good), "changed {}", params[i].0);
        }
        let mut extra = twilio_example();
        extra.push(("Body".into(), "hi".into()));
        assert!(!twilio_valid("12345", TWILIO_URL, &extra, good));
        assert!(!twilio_valid("12346", TWILIO_URL, &twilio_example(), good));
        assert!(!twilio_valid("12345", "https://mycompany.com/myapp.php?foo=1&bar=3", &twilio_example(), good));
        assert!(!twilio_valid("12345", TWILIO_URL, &twilio_example(), ""));
    }

    #[test]
    fn android_gateway_signature_and_freshness() {
        let body = br#"{"event":"sms:received","payload":{"messageId":"m1","message":"code 123456","phoneNumber":"+12025550123"}}"#;
        let now_ms = 1_795_000_000_000;
        let ts = (now_ms / 1000).to_string();
        let sig = keyed_hex(b"s3cret", &[body, ts.as_bytes()]);
        assert!(android_gateway_valid("s3cret", body, &ts, &sig, now_ms));
        assert!(android_gateway_valid("s3cret", body, &ts, &sig.to_uppercase(), now_ms));
        assert!(!android_gateway_valid("other", body, &ts, &sig, now_ms));
        assert!(!android_gateway_valid("s3cret", b"{}", &ts, &sig, now_ms));
        let old = (now_ms / 1000 - 301).to_string();
        let old_sig = keyed_hex(b"s3cret", &[body, old.as_bytes()]);
        assert!(!android_gateway_valid("s3cret", body, &old, &old_sig, now_ms), "older than 5 minutes");
        assert!(!android_gateway_valid("s3cret", body, "not-a-time", &sig, now_ms));
    }

    #[test]
    fn generic_signature_round_trip() {
        let now_ms = 1_795_000_000_000;
        let ts = (now_ms / 1000).to_string();
        let sig = generic_signature("k", &ts, b"{\"to\":\"+12025550123\"}");
        assert!(generic_valid("k", b"{\"to\":\"+12025550123\"}", &ts, &sig, now_ms));
        assert!(!generic_valid("k", b"{\"to\":\"+12025550124\"}", &ts, &sig, now_ms));
    }
}
