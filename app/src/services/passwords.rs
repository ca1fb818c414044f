//! Password hashing with argon2id at the OWASP parameters (19 MiB, 2
//! iterations, 1 lane). Hashing runs on the blocking pool, at most
//! `max_concurrent` at once (each holds 19 MiB), so it never stalls the
//! async runtime.
use std::sync::Arc;

use argon2::{
    password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};
use tokio::sync::Semaphore;

use super::{rate_limit, request::RequestMeta, Services};
use crate::error::AppError;

/// Longer input is refused unhashed (the forms allow no more).
const MAX_PASSWORD_BYTES: usize = 1024;

/// A signed-in user types their password again before a change that
/// needs it (two-step sign-in, email, password, deleting the account).
/// Rate limited per account and address: a stolen session must not become
/// a password-guessing oracle, nor a way to keep the server hashing.
pub async fn confirm(svc: &Services, user_id: i64, password: &str, meta: &RequestMeta) -> Result<(), AppError> {
    let not_right = || AppError::Invalid("Your password is not right.".into());
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(not_right());
    }
    rate_limit::check(svc, rate_limit::Action::ConfirmPassword, &meta.ip, Some(&user_id.to_string())).await?;
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1 AND deleted_at IS NULL")
        .bind(user_id)
        .fetch_optional(&svc.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    match svc.hasher.verify(password, Some(&hash)).await? {
        Verified::No => Err(not_right()),
        Verified::Yes | Verified::YesRehash => Ok(()),
    }
}

#[derive(Clone, Debug)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    params: Params,
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes,
    /// Correct, but hashed with older parameters: store a new hash.
    YesRehash,
}

impl PasswordHasher {
    pub fn new(max_concurrent: usize) -> PasswordHasher {
        Self::with_params(max_concurrent, owasp_params())
    }

    /// Cheaper parameters, for tests that hash a lot.
    pub fn with_params(max_concurrent: usize, params: Params) -> PasswordHasher {
        PasswordHasher { permits: Arc::new(Semaphore::new(max_concurrent.max(1))), params }
    }

    fn argon2(params: Params) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    pub async fn hash(&self, password: &str) -> Result<String, AppError> {
        let password = password.to_owned();
        let params = self.params.clone();
        self.run(move || {
            let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
            Self::argon2(params)
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| {
                    tracing::error!(error = %e, "password hashing failed");
                    AppError::Internal
                })
        })
        .await?
    }

    /// Checks `password` against `stored`; with no stored hash (unknown
    /// account) it still does the work, so timing does not tell.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<Verified, AppError> {
        let password = password.to_owned();
        let stored = stored.map(str::to_owned);
        let params = self.params.clone();
        self.run(move || {
            let Some(stored) = stored else {
                let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
                let _ = Self::argon2(params).hash_password(password.as_bytes(), &salt);
                return Verified::No;
            };
            let Ok(parsed) = PasswordHash::new(&stored) else {
                tracing::error!("stored password hash does not parse");
                return Verified::No;
            };
            if Argon2::default().verify_password(password.as_bytes(), &parsed).is_err() {
                return Verified::No;
            }
            let current = parsed.algorithm.as_str() == "argon2id"
                && Params::try_from(&parsed).is_ok_and(|p| {
                    p.m_cost() == params.m_cost() && p.t_cost() == params.t_cost() && p.p_cost() == params.p_cost()
                });
            if current { Verified::Yes } else { Verified::YesRehash }
        })
        .await
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        let _permit = self.permits.acquire().await.map_err(|_| AppError::Internal)?;
        tokio::task::spawn_blocking(work).await.map_err(|e| {
            tracing::error!(error = %e, "hashing task failed");
            AppError::Internal
        })
    }
}

pub fn owasp_params() -> Params {
    // 19 MiB, 2 iterations, 1 lane: OWASP's argon2id recommendation.
    Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_old_parameters_are_flagged() {
        let hasher = PasswordHasher::new(2);
        let hash = hasher.hash("purple tiger eats plums").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(hasher.verify("purple tiger eats plums", Some(&hash)).await.unwrap(), Verified::Yes);
        assert_eq!(hasher.verify("purple tiger eats plum", Some(&hash)).await.unwrap(), Verified::No);
        assert_eq!(hasher.verify("x", None).await.unwrap(), Verified::No);

        let old = PasswordHasher::with_params(1, Params::new(8 * 1024, 1, 1, None).unwrap());
        let old_hash = old.hash("purple tiger eats plums").await.unwrap();
        assert_eq!(hasher.verify("purple tiger eats plums", Some(&old_hash)).await.unwrap(), Verified::YesRehash);
    }
}
