//! HTTPS served directly: the certificate and key come from PEM files and
//! are read again when either file changes, so a renewal (certbot,
//! acme.sh) takes effect without a restart. Certificates from an ACME CA
//! last 90 days or less: a server that read them only at start went on
//! serving the old one until it expired.
use std::{
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use axum_server::tls_rustls::RustlsConfig;
use tokio::task::JoinHandle;

use crate::StartupError;

/// How often the files are looked at (two `stat` calls).
const CHECK_EVERY: Duration = Duration::from_secs(5);

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

    fn modified(&self) -> (Option<SystemTime>, Option<SystemTime>) {
        let at = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
        (at(&self.cert), at(&self.key))
    }
}

/// Reloads the certificate whenever its files change. A pair that does not
/// load (half written, or a key that does not fit) is logged and the
/// previous certificate keeps serving; the next change tries again.
pub fn spawn_reload(certificate: Certificate) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut seen = certificate.modified();
        let mut tick = tokio::time::interval(CHECK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            let now = certificate.modified();
            if now == seen {
                continue;
            }
            seen = now;
            match certificate.config.reload_from_pem_file(&certificate.cert, &certificate.key).await {
                Ok(()) => tracing::info!(cert = %certificate.cert.display(), "reloaded the TLS certificate"),
                Err(e) => tracing::warn!(
                    error = %e,
                    cert = %certificate.cert.display(),
                    "the TLS certificate or key changed but does not load; still serving the previous one"
                ),
            }
        }
    })
}
