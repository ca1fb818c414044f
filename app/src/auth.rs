//! Accounts and sessions as the pages see them: the viewer, the security
//! log kinds, and the server functions for sign-up, sign-in and sign-out.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{domain::{Desk, Role}, error::AppError};

/// The signed-in user as pages may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub public_id: String,
    pub username: String,
    pub email: String,
    pub role: Role,
    pub email_verified: bool,
    /// Two-step sign-in is on.
    pub two_step: bool,
}

impl Viewer {
    /// Whether this viewer may use `desk` of the admin console: a role
    /// that may, with two-step sign-in on where the operator requires it
    /// for staff. The one rule, checked by the server
    /// (`Authenticated::at_desk`) and shown by the console's pages.
    pub fn console_access(&self, desk: Desk, two_step_required: bool) -> Result<(), AppError> {
        if !self.role.may_use(desk) {
            return Err(AppError::Forbidden);
        }
        if two_step_required && !self.two_step {
            return Err(AppError::TwoStepRequired);
        }
        Ok(())
    }
}

/// What the security log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityEventKind {
    SignUp,
    SignIn,
    SignInFailed,
    SignOut,
    PasswordChanged,
    PasswordReset,
    EmailVerified,
    EmailChanged,
    RefreshTokenReuse,
    RoleChanged,
    AccountDisabled,
    ApiKeyCreated,
    ApiKeyRevoked,
    /// By an admin, for the owner (a leaked key, a bot gone wild).
    ApiKeyRevokedByAdmin,
    ApiKeyUsed,
    TwoStepEnabled,
    TwoStepDisabled,
    RecoveryCodesRenewed,
}

impl SecurityEventKind {
    pub const ALL: [SecurityEventKind; 18] = [
        Self::SignUp,
        Self::SignIn,
        Self::SignInFailed,
        Self::SignOut,
        Self::PasswordChanged,
        Self::PasswordReset,
        Self::EmailVerified,
        Self::EmailChanged,
        Self::RefreshTokenReuse,
        Self::RoleChanged,
        Self::AccountDisabled,
        Self::ApiKeyCreated,
        Self::ApiKeyRevoked,
        Self::ApiKeyRevokedByAdmin,
        Self::ApiKeyUsed,
        Self::TwoStepEnabled,
        Self::TwoStepDisabled,
        Self::RecoveryCodesRenewed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignUp => "sign_up",
            Self::SignIn => "sign_in",
            Self::SignInFailed => "sign_in_failed",
            Self::SignOut => "sign_out",
            Self::PasswordChanged => "password_changed",
            Self::PasswordReset => "password_reset",
            Self::EmailVerified => "email_verified",
            Self::EmailChanged => "email_changed",
            Self::RefreshTokenReuse => "refresh_token_reuse",
            Self::RoleChanged => "role_changed",
            Self::AccountDisabled => "account_disabled",
            Self::ApiKeyCreated => "api_key_created",
            Self::ApiKeyRevoked => "api_key_revoked",
            Self::ApiKeyRevokedByAdmin => "api_key_revoked_by_admin",
            Self::ApiKeyUsed => "api_key_used",
            Self::TwoStepEnabled => "two_step_enabled",
            Self::TwoStepDisabled => "two_step_disabled",
            Self::RecoveryCodesRenewed => "recovery_codes_renewed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }

    /// The label of a stored kind; an unknown word is shown as it is.
    pub fn label_of(stored: String) -> String {
        Self::parse(&stored).map(|k| k.label().to_string()).unwrap_or(stored)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::SignUp => "Account created",
            Self::SignIn => "Signed in",
            Self::SignInFailed => "Failed sign-in",
            Self::SignOut => "Signed out",
            Self::PasswordChanged => "Password changed",
            Self::PasswordReset => "Password reset",
            Self::EmailVerified => "Email verified",
            Self::EmailChanged => "Email changed",
            Self::RefreshTokenReuse => "Old session token reused: session ended",
            Self::RoleChanged => "Role changed",
            Self::AccountDisabled => "Account disabled",
            Self::ApiKeyCreated => "API key created",
            Self::ApiKeyRevoked => "API key revoked",
            Self::ApiKeyRevokedByAdmin => "API key revoked by support",
            Self::ApiKeyUsed => "API key used",
            Self::TwoStepEnabled => "Two-step sign-in turned on",
            Self::TwoStepDisabled => "Two-step sign-in turned off",
            Self::RecoveryCodesRenewed => "New recovery codes made",
        }
    }
}

/// The signed-in user, if any.
#[server(endpoint = "viewer", protocol = crate::wire::Wire)]
pub async fn current_viewer() -> Result<Option<Viewer>, AppError> {
    Ok(crate::services::request::authenticated().map(|a| a.viewer))
}

/// Creates an account, signs it in and mails a verification code.
#[server(endpoint = "sign_up", protocol = crate::wire::Wire)]
pub async fn sign_up(
    email: String,
    username: String,
    password: String,
    adult_and_terms: Option<String>,
    /// The page to come back to once the address is verified.
    next: Option<String>,
) -> Result<Option<Viewer>, AppError> {
    use crate::domain::{Email, NewPassword, Username};
    use crate::services::{accounts, services};

    let email = Email::parse(&email).map_err(AppError::Invalid)?;
    let username = Username::parse(&username).map_err(AppError::Invalid)?;
    let password = NewPassword::parse(&password, Some(username.as_str()), Some(email.as_str()))
        .map_err(AppError::Invalid)?;
    if adult_and_terms.is_none() {
        return Err(AppError::Invalid("Confirm that you are 18 or older and accept the Terms.".into()));
    }
    let svc = services()?;
    let meta = crate::services::request::request_meta();
    let tokens = accounts::sign_up(&svc, accounts::SignUp { email, username, password }, &meta).await?;
    crate::services::sessions::set_cookies(&svc, &tokens);
    leptos_axum::redirect(&with_next("/verify-email", next.as_deref()));
    signed_in_viewer(&svc, &tokens).await
}

/// Signs in with email or username and password.
#[server(endpoint = "sign_in", protocol = crate::wire::Wire)]
pub async fn sign_in(
    login: String,
    password: String,
    next: Option<String>,
    code: Option<String>,
) -> Result<Option<Viewer>, AppError> {
    use crate::services::{accounts, services};

    if login.trim().is_empty() || password.is_empty() {
        return Err(AppError::Invalid("Enter your email or username and your password.".into()));
    }
    if login.len() > 254 || password.len() > 1024 {
        return Err(AppError::Invalid("Wrong email, username or password.".into()));
    }
    let svc = services()?;
    let meta = crate::services::request::request_meta();
    // An empty field is no code: the form shows it only once asked.
    let code = code.filter(|c| !c.trim().is_empty()).map(|c| crate::domain::SecondStep::parse(&c)).transpose().map_err(AppError::Invalid)?;
    let tokens = accounts::sign_in(&svc, &login, &password, code.as_ref(), &meta).await?;
    crate::services::sessions::set_cookies(&svc, &tokens);
    leptos_axum::redirect(&safe_next(next.as_deref()));
    signed_in_viewer(&svc, &tokens).await
}

/// The viewer of a session just started: the answer the page sets as
/// its viewer, so the next page does not show the signed-out one while
/// it would ask again. Kept in the session cache, where the next page's
/// request finds it.
#[cfg(feature = "ssr")]
async fn signed_in_viewer(
    svc: &crate::services::Services,
    tokens: &crate::services::sessions::IssuedTokens,
) -> Result<Option<Viewer>, AppError> {
    Ok(crate::services::sessions::resolve(svc, &tokens.session_id, tokens.user_id).await?.map(|a| a.viewer))
}

/// Ends this device's session.
#[server(endpoint = "sign_out", protocol = crate::wire::Wire)]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::services::{services, sessions};
    let svc = services()?;
    if let Some(user) = crate::services::request::authenticated() {
        let meta = crate::services::request::request_meta();
        sessions::end_with_event(&svc, user.user_id, &user.session_id, "sign_out", &meta).await?;
    }
    sessions::clear_cookies(&svc);
    leptos_axum::redirect("/");
    Ok(())
}

/// Checks the emailed verification code.
#[server(endpoint = "verify_email", protocol = crate::wire::Wire)]
pub async fn verify_email(code: String, next: Option<String>) -> Result<Option<Viewer>, AppError> {
    use crate::services::{accounts, services};
    let user = crate::services::request::require_user()?;
    let code = emailed_code(&code)?;
    let svc = services()?;
    accounts::verify_email(&svc, user.user_id, &code, &crate::services::request::request_meta()).await?;
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(Some(Viewer { email_verified: true, ..user.viewer }))
}

/// Mails a new verification code (throttled).
#[server(endpoint = "resend_verification", protocol = crate::wire::Wire)]
pub async fn resend_verification() -> Result<(), AppError> {
    use crate::services::{accounts, services};
    let user = crate::services::request::require_user()?;
    if user.viewer.email_verified {
        return Err(AppError::Invalid("Your email is already verified.".into()));
    }
    let svc = services()?;
    accounts::resend_verification_code(&svc, user.user_id, &user.viewer.email, &crate::services::request::request_meta()).await
}

/// Mails a password reset code. Answers the same whether or not the
/// email has an account.
#[server(endpoint = "request_password_reset", protocol = crate::wire::Wire)]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::domain::Email;
    use crate::services::{accounts, request::request_meta, services};
    let email = Email::parse(&email).map_err(AppError::Invalid)?;
    accounts::request_password_reset(&*services()?, &email, &request_meta()).await
}

/// Sets a new password with the emailed code; all sessions end.
#[server(endpoint = "reset_password", protocol = crate::wire::Wire)]
pub async fn reset_password(email: String, code: String, password: String) -> Result<(), AppError> {
    use crate::domain::Email;
    use crate::services::{accounts, request::request_meta, services, sessions};
    let email = Email::parse(&email).map_err(AppError::Invalid)?;
    let code = emailed_code(&code)?;
    let svc = services()?;
    accounts::reset_password(&svc, &email, &code, &password, &request_meta()).await?;
    sessions::clear_cookies(&svc);
    leptos_axum::redirect("/sign-in?reset=1");
    Ok(())
}

/// A code typed from an email: 6 digits, spaces and dashes allowed
/// between them ("123 456", "123-456").
#[cfg(feature = "ssr")]
pub(crate) fn emailed_code(typed: &str) -> Result<String, AppError> {
    let code = typed.trim().replace([' ', '-'], "");
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::Invalid("The code has 6 digits.".into()));
    }
    Ok(code)
}

/// Whether `path` is a path on this site, so a link or form cannot send a
/// user elsewhere. No whitespace or control characters either: browsers
/// drop tabs and line breaks from a URL, so "/\t/evil.example" would
/// become "//evil.example", another site.
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') && !path.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// `path` with `?next=` the page to come back to, when that is a page of
/// this site: sign-in, sign-up and verification pass it along.
pub fn with_next(path: &str, next: Option<&str>) -> String {
    match next {
        Some(next) if is_local_path(next) => format!("{path}?next={}", crate::site_info::encode_query_value(next)),
        _ => path.to_owned(),
    }
}

/// Where to go after signing in: a local path, else the Account page.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if is_local_path(path) => path.to_string(),
        _ => "/account".to_string(),
    }
}

/// The signed-in user as pages see it. Known while the page renders on
/// the server (from the request's session, no query) and sent along for
/// hydration as a value: a resource cost every page a Suspense boundary.
/// Set from the answer of a sign-in, sign-up or verification.
#[derive(Clone, Copy)]
pub struct ViewerState(RwSignal<Option<Viewer>>);

impl ViewerState {
    /// The viewer (tracked), None when signed out.
    pub fn get(&self) -> Option<Viewer> {
        self.0.get()
    }

    /// Whether someone is signed in, as the page was rendered (untracked).
    pub fn signed_in_untracked(&self) -> bool {
        self.0.with_untracked(Option::is_some)
    }

    /// Two-step sign-in was turned on or off on this page (the admin
    /// console and the Account page follow it).
    pub fn set_two_step(self, on: bool) {
        self.0.update(|viewer| {
            if let Some(viewer) = viewer {
                viewer.two_step = on;
            }
        });
    }

    /// Takes the viewer a sign-in, sign-up or verification answers with,
    /// once it answers.
    pub fn follow(self, answer: crate::wire::Answered<Option<Viewer>>) {
        crate::reactive::effect(move || {
            if let Some(Ok(viewer)) = answer.get() {
                self.0.set(viewer);
            }
        });
    }
}

pub fn provide_viewer() {
    let viewer = SharedValue::<_, crate::wire::Compact>::new_with_encoding(|| {
        #[cfg(feature = "ssr")]
        return crate::services::request::authenticated().map(|a| a.viewer);
        #[cfg(not(feature = "ssr"))]
        None
    })
    .into_inner();
    provide_context(ViewerState(RwSignal::new(viewer)));
}

pub fn use_viewer() -> ViewerState {
    expect_context::<ViewerState>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_console_wants_an_admin_with_two_step_where_required() {
        let viewer = |role, two_step| Viewer {
            public_id: "UN-7K3Q9M".into(),
            username: "ada".into(),
            email: "ada@example.com".into(),
            role,
            email_verified: true,
            two_step,
        };
        assert_eq!(viewer(Role::Customer, true).console_access(Desk::Support, false), Err(AppError::Forbidden));
        assert_eq!(viewer(Role::Admin, false).console_access(Desk::Operations, false), Ok(()));
        assert_eq!(viewer(Role::Admin, false).console_access(Desk::Operations, true), Err(AppError::TwoStepRequired));
        assert_eq!(viewer(Role::Admin, true).console_access(Desk::Operations, true), Ok(()));
        assert_eq!(viewer(Role::Support, true).console_access(Desk::Operations, true), Err(AppError::Forbidden));
        assert_eq!(viewer(Role::Support, false).console_access(Desk::Support, true), Err(AppError::TwoStepRequired));
        assert_eq!(viewer(Role::Support, true).console_access(Desk::Support, true), Ok(()));
    }

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/wallet")), "/wallet");
        assert_eq!(safe_next(Some("//evil.example")), "/account");
        assert_eq!(safe_next(Some("https://evil.example")), "/account");
        for sneaky in ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/ /evil.example", "/\\evil.example"] {
            assert_eq!(safe_next(Some(sneaky)), "/account", "{sneaky:?}");
        }
        assert_eq!(safe_next(Some("/support/tickets/4?from=mail")), "/support/tickets/4?from=mail");
        assert_eq!(safe_next(None), "/account");
        assert_eq!(with_next("/sign-up", Some("/get-number?platform=tg")), "/sign-up?next=%2Fget-number%3Fplatform%3Dtg");
        assert_eq!(with_next("/sign-up", Some("//evil.example")), "/sign-up");
        assert_eq!(with_next("/sign-up", None), "/sign-up");
    }

    #[test]
    fn kinds_round_trip() {
        for kind in SecurityEventKind::ALL {
            assert_eq!(SecurityEventKind::parse(kind.as_str()), Some(kind));
        }
    }
}
