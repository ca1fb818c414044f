//! The codec of rendered data (`Resource`, `SharedValue`): postcard, like
//! the answers, carried in the page's HTML as base64 text.
//!
//! Why not codee's `PostcardCodec`: leptos writes a binary codec's bytes
//! as base64 itself and reads them back with the base64 crate, which then
//! sits in the WASM main module every visit loads. As text, the browser
//! decodes with its own `atob`.
use codee::{Decoder, Encoder};
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{de::DeserializeOwned, Serialize};

use crate::error::AppError;

pub struct Compact;

impl<T: Serialize> Encoder<T> for Compact {
    type Error = postcard::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, postcard::Error> {
        postcard::to_allocvec(value).map(|bytes| base64_text::encode(&bytes))
    }
}

impl<T: DeserializeOwned> Decoder<T> for Compact {
    type Error = postcard::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, postcard::Error> {
        let bytes = base64_text::decode(text).ok_or(postcard::Error::DeserializeBadEncoding)?;
        postcard::from_bytes(&bytes)
    }
}

/// The error a form posted without scripts came back with: server_fn
/// puts it in the address as URL-safe base64 of its JSON. Read here, not
/// by `ServerFnUrlError::decode_err`, for the same reason as the data:
/// the base64 crate would be in every page's WASM for it.
pub(super) fn posted_error(text: &str) -> AppError {
    let standard = text.replace('-', "+").replace('_', "/");
    match base64_text::decode(&standard) {
        Some(json) => AppError::de(json.into()),
        None => AppError::from_server_fn_error(ServerFnErrorErr::Deserialization("the error in the address is not base64".into())),
    }
}

#[cfg(feature = "hydrate")]
mod base64_text {
    //! The browser's `btoa` and `atob` work on "binary strings", one
    //! character per byte.
    use leptos::web_sys::window;

    pub fn encode(bytes: &[u8]) -> String {
        let binary: String = bytes.iter().map(|&b| char::from(b)).collect();
        // Only the server writes rendered data; this keeps the codec whole.
        window().and_then(|w| w.btoa(&binary).ok()).unwrap_or_default()
    }

    pub fn decode(text: &str) -> Option<Vec<u8>> {
        let binary = window()?.atob(text).ok()?;
        binary.chars().map(|c| u8::try_from(c).ok()).collect()
    }
}

#[cfg(not(feature = "hydrate"))]
mod base64_text {
    use base64::{engine::general_purpose::STANDARD, Engine};

    pub fn encode(bytes: &[u8]) -> String {
        STANDARD.encode(bytes)
    }

    pub fn decode(text: &str) -> Option<Vec<u8>> {
        STANDARD.decode(text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::Compact;
    use codee::{Decoder, Encoder};

    #[test]
    fn data_reads_back_as_it_was_written() {
        let data = (String::from("Ünïcode ✓"), 42u64, vec![0u8, 255, 128]);
        let text: String = Compact::encode(&data).expect("encodes");
        assert!(text.is_ascii(), "base64 text fits in the HTML");
        let back: (String, u64, Vec<u8>) = Compact::decode(&text).expect("decodes");
        assert_eq!(back, data);
    }

    #[test]
    fn a_posted_error_reads_back_from_the_address() {
        use leptos::server_fn::error::ServerFnUrlError;
        let sent = crate::error::AppError::Invalid("Wrong email, username or password. Ünïcode ✓ ??>>".into());
        let url = ServerFnUrlError::new("/api/sign_in", sent.clone()).to_url("http://localhost/sign-in").expect("an address");
        let text = url.query_pairs().find(|(k, _)| k == "__err").map(|(_, v)| v.into_owned()).expect("the error is in the address");
        assert_eq!(super::posted_error(&text), sent);
        assert!(matches!(super::posted_error("@@@"), crate::error::AppError::Invalid(_)));
    }

    #[test]
    fn damaged_text_is_an_error() {
        assert!(<Compact as Decoder<u64>>::decode("not base64!").is_err());
    }
}
