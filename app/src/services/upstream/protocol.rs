//! The SMS-Activate `handler_api.php` protocol, spoken by SMS-Activate,
//! DaisySMS and compatible services: the answers as types, parsed from
//! (and written as) the protocol's own words. Our reseller API speaks the
//! same words, so both directions live here.
use std::fmt;

/// SMS-Activate's service codes for our default platforms.
pub const SERVICE_CODES: &[(&str, &str)] = &[
    ("whatsapp", "wa"),
    ("telegram", "tg"),
    ("google", "go"),
    ("facebook", "fb"),
    ("instagram", "ig"),
    ("tiktok", "lf"),
    ("x", "tw"),
    ("discord", "ds"),
    ("microsoft", "mm"),
    ("amazon", "am"),
    ("uber", "ub"),
    ("signal", "bw"),
    ("snapchat", "fu"),
    ("paypal", "ts"),
    ("apple", "wx"),
    ("other", "ot"),
];

/// The usual service code of one of our platforms.
pub fn service_code(slug: &str) -> Option<&'static str> {
    SERVICE_CODES.iter().find(|(s, _)| *s == slug).map(|(_, c)| *c)
}

/// Our platform for a usual service code.
pub fn platform_for_code(code: &str) -> Option<&'static str> {
    SERVICE_CODES.iter().find(|(_, c)| *c == code).map(|(s, _)| *s)
}

/// `setStatus` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetStatus {
    /// 1: the number is in use, the SMS may come.
    Ready = 1,
    /// 3: ask for another SMS on the same activation.
    AnotherSms = 3,
    /// 6: done; the activation is complete.
    Complete = 6,
    /// 8: cancel; the number is not needed.
    Cancel = 8,
}

impl SetStatus {
    pub fn from_code(code: i64) -> Option<SetStatus> {
        Some(match code {
            1 => SetStatus::Ready,
            3 => SetStatus::AnotherSms,
            6 => SetStatus::Complete,
            8 => SetStatus::Cancel,
            _ => return None,
        })
    }

    /// What a compatible server answers when it accepts this status.
    pub fn accepted_answer(self) -> &'static str {
        match self {
            SetStatus::Ready => "ACCESS_READY",
            SetStatus::AnotherSms => "ACCESS_RETRY_GET",
            SetStatus::Complete => "ACCESS_ACTIVATION",
            SetStatus::Cancel => "ACCESS_CANCEL",
        }
    }
}

/// `getStatus` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActivationStatus {
    WaitCode,
    /// Another SMS was asked for; the last code so far.
    WaitRetry(String),
    /// Waiting for the platform to resend.
    WaitResend,
    Ok(String),
    Cancelled,
}

impl fmt::Display for ActivationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActivationStatus::WaitCode => f.write_str("STATUS_WAIT_CODE"),
            ActivationStatus::WaitRetry(code) => write!(f, "STATUS_WAIT_RETRY:{code}"),
            ActivationStatus::WaitResend => f.write_str("STATUS_WAIT_RESEND"),
            ActivationStatus::Ok(code) => write!(f, "STATUS_OK:{code}"),
            ActivationStatus::Cancelled => f.write_str("STATUS_CANCEL"),
        }
    }
}

/// Every documented error answer, plus what can go wrong on the way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    #[error("NO_NUMBERS")]
    NoNumbers,
    #[error("NO_BALANCE")]
    NoBalance,
    #[error("BAD_KEY")]
    BadKey,
    #[error("BAD_SERVICE")]
    BadService,
    #[error("BAD_ACTION")]
    BadAction,
    #[error("BAD_STATUS")]
    BadStatus,
    #[error("EARLY_CANCEL_DENIED")]
    EarlyCancelDenied,
    #[error("WRONG_ACTIVATION_ID")]
    WrongActivationId,
    #[error("NO_ACTIVATION")]
    NoActivation,
    #[error("ERROR_SQL")]
    ErrorSql,
    #[error("BANNED:{0}")]
    Banned(String),
    /// The price is above our ceiling (WRONG_MAX_PRICE, MAX_PRICE_EXCEEDED).
    #[error("MAX_PRICE_EXCEEDED")]
    MaxPriceExceeded,
    #[error("TOO_MANY_ACTIVE_RENTALS")]
    TooManyActive,
    #[error("no answer within the timeout")]
    Timeout,
    #[error("HTTP {0}")]
    Http(u16),
    #[error("transport: {0}")]
    Transport(String),
    /// No connection: the request never left.
    #[error("unreachable: {0}")]
    Unreachable(String),
    #[error("unexpected answer: {0}")]
    Garbage(String),
    #[error("circuit open: upstream paused after repeated failures")]
    CircuitOpen,
    #[error("our own request budget for this upstream is spent")]
    RateLimited,
}

impl UpstreamError {
    /// The known error word at the start of an answer, if it is one.
    pub fn from_answer(answer: &str) -> Option<UpstreamError> {
        let answer = answer.trim();
        let word = answer.split(':').next().unwrap_or("");
        Some(match word {
            "NO_NUMBERS" => UpstreamError::NoNumbers,
            "NO_BALANCE" => UpstreamError::NoBalance,
            "BAD_KEY" => UpstreamError::BadKey,
            "BAD_SERVICE" => UpstreamError::BadService,
            "BAD_ACTION" => UpstreamError::BadAction,
            "BAD_STATUS" => UpstreamError::BadStatus,
            "EARLY_CANCEL_DENIED" => UpstreamError::EarlyCancelDenied,
            "WRONG_ACTIVATION_ID" => UpstreamError::WrongActivationId,
            "NO_ACTIVATION" => UpstreamError::NoActivation,
            "ERROR_SQL" => UpstreamError::ErrorSql,
            "BANNED" => UpstreamError::Banned(answer.split_once(':').map(|(_, t)| t.to_string()).unwrap_or_default()),
            "WRONG_MAX_PRICE" | "MAX_PRICE_EXCEEDED" => UpstreamError::MaxPriceExceeded,
            "TOO_MANY_ACTIVE_RENTALS" | "NO_ACTIVATIONS_LEFT" => UpstreamError::TooManyActive,
            _ => return None,
        })
    }

    /// Whether the upstream itself is failing (counts against its circuit
    /// breaker), as opposed to a normal answer about this one request.
    pub fn is_fault(&self) -> bool {
        matches!(
            self,
            UpstreamError::Timeout
                | UpstreamError::Http(_)
                | UpstreamError::Transport(_)
                | UpstreamError::Unreachable(_)
                | UpstreamError::Garbage(_)
                | UpstreamError::ErrorSql
                | UpstreamError::BadKey
                | UpstreamError::Banned(_)
                | UpstreamError::NoBalance
        )
    }

    /// Whether a purchase that ended so may still have been a sale: the
    /// request may have reached the supplier, but its answer never came
    /// whole (a timeout, a broken connection, a server error, an answer we
    /// cannot read). Clear refusals and unreachable servers sold nothing.
    pub fn may_have_sold(&self) -> bool {
        match self {
            UpstreamError::Timeout | UpstreamError::Transport(_) | UpstreamError::Garbage(_) => true,
            UpstreamError::Http(status) => *status >= 500,
            _ => false,
        }
    }

    /// Whether another upstream may have what this one did not.
    pub fn falls_through(&self) -> bool {
        !matches!(self, UpstreamError::BadService)
    }

    /// What a customer is told. Faults on our supplier's side are the
    /// operator's problem: the customer only learns that nothing was charged.
    pub fn user_message(&self) -> String {
        match self {
            UpstreamError::NoNumbers | UpstreamError::MaxPriceExceeded | UpstreamError::TooManyActive => {
                "No number is available for this platform right now. Nothing was charged; try again in a few minutes.".into()
            }
            UpstreamError::BadService => "This platform is not offered by our supplier at the moment. Nothing was charged.".into(),
            UpstreamError::EarlyCancelDenied => "The supplier does not allow cancelling this number yet.".into(),
            UpstreamError::WrongActivationId | UpstreamError::NoActivation => "The supplier no longer knows this number.".into(),
            _ => "Our number supplier is not answering properly right now. Nothing was charged; try again in a few minutes.".into(),
        }
    }
}

fn garbage(answer: &str) -> UpstreamError {
    UpstreamError::Garbage(answer.chars().take(80).collect())
}

/// The body's known error, or else garbage.
fn error_or_garbage(answer: &str) -> UpstreamError {
    UpstreamError::from_answer(answer).unwrap_or_else(|| garbage(answer))
}

/// An amount like "12.34" (or "12.3456", rounded) as cents.
pub fn parse_amount(text: &str) -> Option<i64> {
    let value: f64 = text.trim().parse().ok()?;
    // NaN and infinities fall outside the range too.
    (0.0..1e12).contains(&value).then(|| (value * 100.0).round() as i64)
}

/// `ACCESS_BALANCE:12.34` → cents.
pub fn parse_balance(answer: &str) -> Result<i64, UpstreamError> {
    match answer.trim().strip_prefix("ACCESS_BALANCE:") {
        Some(amount) => parse_amount(amount).ok_or_else(|| garbage(answer)),
        None => Err(error_or_garbage(answer)),
    }
}

/// `ACCESS_NUMBER:id:phone` → (activation id, phone digits).
pub fn parse_number(answer: &str) -> Result<(String, String), UpstreamError> {
    let trimmed = answer.trim();
    let Some(rest) = trimmed.strip_prefix("ACCESS_NUMBER:") else { return Err(error_or_garbage(answer)) };
    match rest.split_once(':') {
        Some((id, phone)) if !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric()) && !phone.is_empty() => {
            Ok((id.to_string(), phone.to_string()))
        }
        _ => Err(garbage(answer)),
    }
}

fn code_after(prefix: &str, answer: &str) -> Option<String> {
    let code = answer.strip_prefix(prefix)?;
    (!code.is_empty() && code.len() <= 64).then(|| code.to_string())
}

pub fn parse_status(answer: &str) -> Result<ActivationStatus, UpstreamError> {
    let a = answer.trim();
    match a {
        "STATUS_WAIT_CODE" => return Ok(ActivationStatus::WaitCode),
        "STATUS_WAIT_RESEND" => return Ok(ActivationStatus::WaitResend),
        "STATUS_CANCEL" => return Ok(ActivationStatus::Cancelled),
        _ => {}
    }
    if let Some(code) = code_after("STATUS_OK:", a) {
        return Ok(ActivationStatus::Ok(code));
    }
    if let Some(code) = code_after("STATUS_WAIT_RETRY:", a) {
        return Ok(ActivationStatus::WaitRetry(code));
    }
    Err(error_or_garbage(answer))
}

/// A `setStatus` answer: accepted, or why not.
pub fn parse_set_status(answer: &str, asked: SetStatus) -> Result<(), UpstreamError> {
    let a = answer.trim();
    let accepted = match asked {
        // Some services answer a cancel of a cancelled activation this way.
        SetStatus::Cancel => a == "ACCESS_CANCEL" || a == "ACCESS_CANCEL_ALREADY",
        other => a == other.accepted_answer(),
    };
    if accepted {
        Ok(())
    } else {
        Err(error_or_garbage(answer))
    }
}

/// `getPrices` JSON, `{"187": {"tg": {"cost": 0.5, "count": 120}}}`
/// (cost may come as a string) → (service, cost in cents, count) for one
/// country.
pub fn parse_prices(answer: &str, country: &str) -> Result<Vec<(String, i64, i64)>, UpstreamError> {
    let json: serde_json::Value = serde_json::from_str(answer).map_err(|_| error_or_garbage(answer))?;
    let Some(services) = json.get(country).and_then(|v| v.as_object()) else {
        return Ok(Vec::new());
    };
    let number = |v: Option<&serde_json::Value>| -> Option<f64> {
        match v? {
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    let mut out = Vec::new();
    for (service, entry) in services {
        let cost = number(entry.get("cost")).and_then(|c| parse_amount(&c.to_string()));
        let count = number(entry.get("count")).unwrap_or(0.0) as i64;
        if let Some(cost) = cost {
            out.push((service.clone(), cost, count));
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_error_is_typed() {
        let cases = [
            ("NO_NUMBERS", UpstreamError::NoNumbers),
            ("NO_BALANCE", UpstreamError::NoBalance),
            ("BAD_KEY", UpstreamError::BadKey),
            ("BAD_SERVICE", UpstreamError::BadService),
            ("BAD_ACTION", UpstreamError::BadAction),
            ("BAD_STATUS", UpstreamError::BadStatus),
            ("EARLY_CANCEL_DENIED", UpstreamError::EarlyCancelDenied),
            ("WRONG_ACTIVATION_ID", UpstreamError::WrongActivationId),
            ("NO_ACTIVATION", UpstreamError::NoActivation),
            ("ERROR_SQL", UpstreamError::ErrorSql),
            ("BANNED:2026-11-25 10-00-00", UpstreamError::Banned("2026-11-25 10-00-00".into())),
            ("WRONG_MAX_PRICE:0.75", UpstreamError::MaxPriceExceeded),
            ("MAX_PRICE_EXCEEDED", UpstreamError::MaxPriceExceeded),
            ("TOO_MANY_ACTIVE_RENTALS", UpstreamError::TooManyActive),
        ];
        for (answer, error) in cases {
            assert_eq!(parse_number(answer), Err(error.clone()), "{answer}");
            assert_eq!(parse_status(answer), Err(error.clone()), "{answer}");
            assert_eq!(parse_balance(answer), Err(error.clone()), "{answer}");
            assert!(!error.user_message().is_empty());
        }
        assert!(matches!(parse_number("<html>502</html>"), Err(UpstreamError::Garbage(_))));
        assert!(matches!(parse_status(""), Err(UpstreamError::Garbage(_))));
        assert!(UpstreamError::ErrorSql.is_fault() && !UpstreamError::NoNumbers.is_fault());
        // A customer never reads a raw protocol word or the supplier's key.
        assert!(!UpstreamError::BadKey.user_message().contains("KEY"));
    }

    #[test]
    fn answers_parse() {
        assert_eq!(parse_balance("ACCESS_BALANCE:12.34"), Ok(1234));
        assert_eq!(parse_balance("ACCESS_BALANCE:0"), Ok(0));
        assert!(parse_balance("ACCESS_BALANCE:lots").is_err());
        assert_eq!(parse_number("ACCESS_NUMBER:123456:12025550123\n"), Ok(("123456".into(), "12025550123".into())));
        assert!(parse_number("ACCESS_NUMBER::120").is_err());
        assert!(parse_number("ACCESS_NUMBER:12 3:1").is_err());
        assert_eq!(parse_status("STATUS_WAIT_CODE"), Ok(ActivationStatus::WaitCode));
        assert_eq!(parse_status("STATUS_OK:481516"), Ok(ActivationStatus::Ok("481516".into())));
        assert_eq!(parse_status("STATUS_WAIT_RETRY:481516"), Ok(ActivationStatus::WaitRetry("481516".into())));
        assert_eq!(parse_status("STATUS_CANCEL"), Ok(ActivationStatus::Cancelled));
        assert!(parse_status("STATUS_OK:").is_err());
        assert_eq!(parse_set_status("ACCESS_CANCEL", SetStatus::Cancel), Ok(()));
        assert_eq!(parse_set_status("ACCESS_ACTIVATION", SetStatus::Complete), Ok(()));
        assert_eq!(parse_set_status("ACCESS_RETRY_GET", SetStatus::AnotherSms), Ok(()));
        assert_eq!(parse_set_status("ACCESS_READY", SetStatus::Ready), Ok(()));
        assert_eq!(parse_set_status("EARLY_CANCEL_DENIED", SetStatus::Cancel), Err(UpstreamError::EarlyCancelDenied));
        assert!(parse_set_status("ACCESS_READY", SetStatus::Cancel).is_err());
        for status in [ActivationStatus::WaitCode, ActivationStatus::Ok("12".into()), ActivationStatus::Cancelled, ActivationStatus::WaitRetry("9".into())] {
            assert_eq!(parse_status(&status.to_string()), Ok(status));
        }
    }

    #[test]
    fn prices_parse_numbers_and_strings() {
        let json = r#"{"187":{"tg":{"cost":0.5,"count":120},"wa":{"cost":"1.25","count":"3"},"bad":{"cost":"x"}},"0":{"tg":{"cost":9}}}"#;
        assert_eq!(parse_prices(json, "187").unwrap(), vec![("tg".into(), 50, 120), ("wa".into(), 125, 3)]);
        assert_eq!(parse_prices(json, "12").unwrap(), vec![]);
        assert_eq!(parse_prices("BAD_KEY", "187"), Err(UpstreamError::BadKey));
    }

    proptest::proptest! {
        /// Arbitrary answers never panic any parser.
        #[test]
        fn arbitrary_answers_never_panic(answer in ".{0,200}") {
            let _ = parse_balance(&answer);
            let _ = parse_number(&answer);
            let _ = parse_status(&answer);
            let _ = parse_set_status(&answer, SetStatus::Cancel);
            let _ = parse_prices(&answer, "187");
        }
    }
}
