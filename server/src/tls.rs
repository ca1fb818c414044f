//! HTTPS served directly: the certificate and key come from PEM files and
//! are read again when either file changes, so a renewal (certbot,
//! acme.sh) takes effect without a restart. Certificates from an ACME CA
//! last 90 days or less: a server that read them only at start went on
//! serving the old one until it expired. When the served one ends is in
//! `/metrics` and, within two weeks of it, in a daily warning.
use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum_server::tls_rustls::RustlsConfig;
use tokio::task::JoinHandle;

use crate::{metrics::Metrics, StartupError};

/// How often the files are looked at (two `stat` calls).
const CHECK_EVERY: Duration = Duration::from_secs(5);
/// Warn this long before the served certificate expires…
const WARN_WITHIN_SECS: i64 = 14 * 24 * 3600;
/// …this often.
const WARN_EVERY: Duration = Duration::from_secs(24 * 3600);

/// The served certificate and the files it comes from.
#[derive(Clone)]
pub struct Certificate {
    config: RustlsConfig,
    cert: PathBuf,
    key: PathBuf,
}

impl Certificate {
    pub async fn load(cert: &Path, key: &Path) -> Result<Certificate, StartupError> {
        let config = RustlsConfig::from_pem_file(cert, key).await.map_err(|e| {
            StartupError::Config(format!(
                "cannot load the TLS certificate {} and key {} ({e}); check USNH_TLS_CERT_FILE and USNH_TLS_KEY_FILE",
                cert.display(),
                key.display()
            ))
        })?;
        Ok(Certificate { config, cert: cert.to_path_buf(), key: key.to_path_buf() })
    }

    /// What the TLS acceptor serves; a reload changes it in place.
    pub fn rustls(&self) -> RustlsConfig {
        self.config.clone()
    }

    /// The end of validity of the first certificate in the file (the
    /// server's own; the chain follows it): Unix seconds, and as text.
    pub fn expiry(&self) -> Option<(i64, String)> {
        let pem = std::fs::read(&self.cert).ok()?;
        let (_, pem) = x509_parser::pem::parse_x509_pem(&pem).ok()?;
        let certificate = pem.parse_x509().ok()?;
        let not_after = certificate.validity().not_after;
        Some((not_after.timestamp(), not_after.to_string()))
    }

    /// The expiry of the certificate just loaded, published; None when
    /// the file cannot be read as a certificate.
    fn loaded_expiry(&self, metrics: &Metrics) -> Option<i64> {
        let Some((expires_at, _)) = self.expiry() else {
            tracing::warn!(cert = %self.cert.display(), "cannot read the TLS certificate's expiry date");
            return None;
        };
        metrics.certificate_served(expires_at);
        Some(expires_at)
    }

    fn modified(&self) -> (Option<SystemTime>, Option<SystemTime>) {
        let at = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
        (at(&self.cert), at(&self.key))
    }
}

/// Seconds from now until `at` (Unix seconds).
pub fn seconds_left(at: i64) -> i64 {
    at - SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Reloads the certificate whenever its files change. A pair that does not
/// load (half written, or a key that does not fit) is logged and the
/// previous certificate keeps serving; the next change tries again.
pub fn spawn_reload(certificate: Certificate, metrics: Arc<Metrics>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut seen = certificate.modified();
        // The served certificate's: the file may hold one that did not load.
        let mut served = certificate.loaded_expiry(&metrics);
        let mut warned: Option<tokio::time::Instant> = None;
        let mut tick = tokio::time::interval(CHECK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            if let Some(expires_at) = served {
                let left = seconds_left(expires_at);
                if left < WARN_WITHIN_SECS && warned.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
                    tracing::warn!(
                        cert = %certificate.cert.display(),
                        days_left = left / 86_400,
                        "the TLS certificate expires soon: renew it (the new files are picked up without a restart)"
                    );
                    warned = Some(tokio::time::Instant::now());
                }
            }
            let now = certificate.modified();
            if now == seen {
                continue;
            }
            seen = now;
            match certificate.config.reload_from_pem_file(&certificate.cert, &certificate.key).await {
                Ok(()) => {
                    tracing::info!(cert = %certificate.cert.display(), "reloaded the TLS certificate");
                    served = certificate.loaded_expiry(&metrics);
                    warned = None;
                }
                Err(e) => tracing::warn!(
                    error = %e,
                    cert = %certificate.cert.display(),
                    "the TLS certificate or key changed but does not load; still serving the previous one"
                ),
            }
        }
    })
}
