//! A request whose handler panics is answered 500, as a server function
//! answers an internal error (the page shows its usual message), instead
//! of the connection dropping with no answer. The panic itself is logged
//! by the panic hook (`telemetry`) and counted with the other 500s.
use std::any::Any;

use app::error::AppError;
use axum::{
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use tower_http::catch_panic::CatchPanicLayer;

type Answer = fn(Box<dyn Any + Send + 'static>) -> Response;

pub fn layer() -> CatchPanicLayer<Answer> {
    CatchPanicLayer::custom(answer as Answer)
}

fn answer(_panic: Box<dyn Any + Send + 'static>) -> Response {
    let json = serde_json::to_string(&AppError::Internal).unwrap_or_default();
    (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "application/json")], json).into_response()
}

#[cfg(test)]
mod tests {
    use axum::{body::to_bytes, routing::get, Router};
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_gets_a_500_with_the_internal_error() {
        let router: Router = Router::new()
            .route("/boom", get(|| async {
                if true {
                    panic!("a handler bug");
                }
                "unreached"
            }))
            .route("/fine", get(|| async { "ok" }))
            .layer(super::layer());
        let request = |path: &str| axum::http::Request::builder().uri(path).body(axum::body::Body::empty()).unwrap();
        let boom = router.clone().oneshot(request("/boom")).await.unwrap();
        assert_eq!(boom.status(), 500);
        let body = to_bytes(boom.into_body(), 1024).await.unwrap();
        assert_eq!(serde_json::from_slice::<app::error::AppError>(&body).unwrap(), app::error::AppError::Internal);
        assert_eq!(router.oneshot(request("/fine")).await.unwrap().status(), 200);
    }
}
