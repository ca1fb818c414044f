//! Two-step sign-in as the Account page sees it, and the server functions
//! to set it up, turn it off and renew the recovery codes. The checks
//! live in `services::two_step`.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A setup just begun: what the authenticator app needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TwoStepSetup {
    /// Base32, in groups of four, for typing in by hand.
    pub secret: String,
    /// The otpauth:// link the QR code holds.
    pub uri: String,
    /// The QR code as an SVG document, made on the server.
    pub qr_svg: String,
}

#[cfg(feature = "ssr")]
fn second_step(code: &str) -> Result<crate::domain::SecondStep, AppError> {
    crate::domain::SecondStep::parse(code).map_err(AppError::Invalid)
}

/// Checks the password and answers a new secret for the app.
#[server(endpoint = "begin_two_step", protocol = crate::wire::Wire)]
pub async fn begin_two_step(password: String) -> Result<TwoStepSetup, AppError> {
    use crate::services::{request::{request_meta, require_user}, services, two_step};
    let user = require_user()?;
    two_step::begin(&*services()?, user.user_id, &password, &request_meta()).await
}

/// Turns two-step sign-in on with a code from the app; answers the
/// recovery codes, shown this once.
#[server(endpoint = "enable_two_step", protocol = crate::wire::Wire)]
pub async fn enable_two_step(code: String) -> Result<Vec<String>, AppError> {
    use crate::services::{request::{request_meta, require_user}, services, two_step};
    let user = require_user()?;
    let code = second_step(&code)?;
    two_step::enable(&*services()?, user.user_id, &user.session_id, &code, &request_meta()).await
}

#[server(endpoint = "disable_two_step", protocol = crate::wire::Wire)]
pub async fn disable_two_step(password: String, code: String) -> Result<(), AppError> {
    use crate::services::{request::{request_meta, require_user}, services, two_step};
    let user = require_user()?;
    let code = second_step(&code)?;
    two_step::disable(&*services()?, user.user_id, &password, &code, &request_meta()).await
}

/// New recovery codes; the old ones stop working.
#[server(endpoint = "renew_recovery_codes", protocol = crate::wire::Wire)]
pub async fn renew_recovery_codes(password: String) -> Result<Vec<String>, AppError> {
    use crate::services::{request::{request_meta, require_user}, services, two_step};
    let user = require_user()?;
    two_step::renew_recovery_codes(&*services()?, user.user_id, &password, &request_meta()).await
}
