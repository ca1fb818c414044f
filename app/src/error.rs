//! The one error type server functions return. Each variant carries only
//! what a user may see; internal details are logged on the server.
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
    Bytes, ContentType, Decodes, Encodes, Format, FormatType,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Bad input; the message says what to fix.
    #[error("{0}")]
    Invalid(String),
    #[error("Please sign in first.")]
    Unauthenticated,
    /// The password was right; the account asks for its second step.
    #[error("Enter the code from your authenticator app, or one of your recovery codes.")]
    SecondStepNeeded,
    #[error("You are not allowed to do that.")]
    Forbidden,
    /// An admin without two-step sign-in, where the operator requires it.
    #[error("Administrators must turn on two-step sign-in before using the admin console: set it up on your Account page.")]
    TwoStepRequired,
    #[error("Not found.")]
    NotFound,
    /// Seconds to wait.
    #[error("Too many attempts. Try again in {}.", wait_text(*.0))]
    RateLimited(u64),
    /// A dependency is down for a moment; the message says what to do.
    #[error("{0}")]
    Unavailable(String),
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request never got a proper answer (network, decoding).
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

/// "40 seconds", "5 minutes", "3 hours": rounded up, so the wait is over
/// when the text says.
pub(crate) fn wait_text(seconds: u64) -> String {
    let (count, unit) = match seconds {
        0..90 => (seconds.max(1), "second"),
        90..5_400 => (seconds.div_ceil(60), "minute"),
        _ => (seconds.div_ceil(3_600), "hour"),
    };
    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
}

impl AppError {
    /// The HTTP status this error is sent with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid(_) => 400,
            AppError::Unauthenticated | AppError::SecondStepNeeded => 401,
            AppError::Forbidden | AppError::TwoStepRequired => 403,
            AppError::NotFound => 404,
            AppError::RateLimited(_) => 429,
            AppError::Unavailable(_) => 503,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = ErrorJson;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::Deserialization(msg) => {
                AppError::Invalid(format!("The request was not understood: {msg}"))
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

/// How errors travel: as JSON, which curl, the tests and a form's post
/// without scripts read (`{"Invalid":"…"}`, `"Forbidden"`). The browser
/// reads it with its own `JSON.parse` and `AppError::from_parts`: with
/// answers in postcard (`crate::wire`), serde_json's decoder would
/// otherwise stay in every page's WASM for this one type.
pub struct ErrorJson;

impl ContentType for ErrorJson {
    const CONTENT_TYPE: &'static str = JsonEncoding::CONTENT_TYPE;
}

impl FormatType for ErrorJson {
    const FORMAT_TYPE: Format = Format::Text;
}

impl Encodes<AppError> for ErrorJson {
    type Error = <JsonEncoding as Encodes<AppError>>::Error;

    fn encode(error: &AppError) -> Result<Bytes, Self::Error> {
        JsonEncoding::encode(error)
    }
}

impl Decodes<AppError> for ErrorJson {
    type Error = String;

    #[cfg(not(feature = "hydrate"))]
    fn decode(bytes: Bytes) -> Result<AppError, String> {
        JsonEncoding::decode(bytes).map_err(|e| e.to_string())
    }

    #[cfg(feature = "hydrate")]
    fn decode(bytes: Bytes) -> Result<AppError, String> {
        use leptos::wasm_bindgen::JsCast;
        use leptos::web_sys::js_sys::{Object, Reflect, JSON};
        let text = std::str::from_utf8(&bytes).map_err(|e| e.to_string())?;
        let value = JSON::parse(text).map_err(|_| format!("not JSON: {text}"))?;
        if let Some(name) = value.as_string() {
            return AppError::from_parts(&name, Payload::None);
        }
        let object = value.dyn_ref::<Object>().ok_or_else(|| format!("not an error: {text}"))?;
        let key = Object::keys(object).get(0);
        let name = key.as_string().ok_or_else(|| format!("not an error: {text}"))?;
        let inner = Reflect::get(object, &key).unwrap_or_default();
        let payload = match (inner.as_string(), inner.as_f64()) {
            (Some(text), _) => Payload::Text(text),
            (None, Some(number)) => Payload::Number(number),
            (None, None) => Payload::None,
        };
        AppError::from_parts(&name, payload)
    }
}

/// What an error variant carries in JSON.
#[derive(Debug)]
pub enum Payload {
    None,
    Text(String),
    Number(f64),
}

impl AppError {
    /// The error whose JSON is `"name"` or `{"name": payload}`.
    pub fn from_parts(name: &str, payload: Payload) -> Result<AppError, String> {
        use Payload::{Number, Text};
        Ok(match (name, payload) {
            ("Invalid", Text(text)) => AppError::Invalid(text),
            ("Unauthenticated", Payload::None) => AppError::Unauthenticated,
            ("SecondStepNeeded", Payload::None) => AppError::SecondStepNeeded,
            ("Forbidden", Payload::None) => AppError::Forbidden,
            ("TwoStepRequired", Payload::None) => AppError::TwoStepRequired,
            ("NotFound", Payload::None) => AppError::NotFound,
            ("RateLimited", Number(seconds)) if seconds >= 0.0 => AppError::RateLimited(seconds as u64),
            ("Unavailable", Text(text)) => AppError::Unavailable(text),
            ("Internal", Payload::None) => AppError::Internal,
            ("Transport", Text(text)) => AppError::Transport(text),
            // Not `{payload:?}`: formatting an f64 would bring float
            // printing (about 15 KB) into every page's WASM.
            (name, _) => return Err(format!("unknown error {name} (or a payload it does not take)")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{AppError, Payload};

    /// The browser's reading of an error gives back what the server sent,
    /// for every variant. (This test reads the JSON as the browser does.)
    #[test]
    fn every_error_survives_the_trip_to_the_browser() {
        let samples = [
            AppError::Invalid("Enter \"a\" number.".into()),
            AppError::Unauthenticated,
            AppError::SecondStepNeeded,
            AppError::Forbidden,
            AppError::TwoStepRequired,
            AppError::NotFound,
            AppError::RateLimited(29),
            AppError::Unavailable("Try later.".into()),
            AppError::Internal,
            AppError::Transport("offline".into()),
        ];
        // A new variant stops compiling here: name it, and give it a sample.
        for sample in &samples {
            match sample {
                AppError::Invalid(_)
                | AppError::Unauthenticated
                | AppError::SecondStepNeeded
                | AppError::Forbidden
                | AppError::TwoStepRequired
                | AppError::NotFound
                | AppError::RateLimited(_)
                | AppError::Unavailable(_)
                | AppError::Internal
                | AppError::Transport(_) => {}
            }
        }
        for sample in samples {
            let json = serde_json::to_value(&sample).expect("serialises");
            let (name, payload) = match &json {
                serde_json::Value::String(name) => (name.clone(), Payload::None),
                serde_json::Value::Object(map) => {
                    let (name, inner) = map.iter().next().expect("one key");
                    let payload = match inner {
                        serde_json::Value::String(text) => Payload::Text(text.clone()),
                        serde_json::Value::Number(n) => Payload::Number(n.as_f64().expect("a number")),
                        _ => Payload::None,
                    };
                    (name.clone(), payload)
                }
                other => panic!("unexpected {other}"),
            };
            assert_eq!(AppError::from_parts(&name, payload), Ok(sample));
        }
        assert!(AppError::from_parts("Invalid", Payload::None).is_err());
    }

    #[test]
    fn waits_read_in_the_unit_that_fits() {
        let text = |s| AppError::RateLimited(s).to_string();
        assert_eq!(text(1), "Too many attempts. Try again in 1 second.");
        assert_eq!(text(59), "Too many attempts. Try again in 59 seconds.");
        assert_eq!(text(300), "Too many attempts. Try again in 5 minutes.");
        assert_eq!(text(301), "Too many attempts. Try again in 6 minutes.");
        assert_eq!(text(86_000), "Too many attempts. Try again in 24 hours.");
    }
}
