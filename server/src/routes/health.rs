//! Liveness and readiness for load balancers and orchestrators.
use axum::{extract::State, http::StatusCode, response::IntoResponse};

use app::services::db::Db;

/// The process is up and serving.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The process can do its work: the database answers.
pub async fn readyz(State(db): State<Db>) -> impl IntoResponse {
    match db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
