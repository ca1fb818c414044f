//! A scripted SMS-Activate-compatible upstream on loopback: tests set what
//! each action answers (or that it is slow, or fails with HTTP 500) and
//! read back the calls it received.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use app::services::upstream::client::{ApiKey, UpstreamSettings};
use axum::{extract::{Query, State}, http::StatusCode, routing::get, Router};

pub const KEY: &str = "fake-upstream-key";

#[derive(Debug, Clone)]
pub struct Script {
    pub balance: String,
    /// `None`: sell the next number of (312) 555-01xx.
    pub number: Option<String>,
    pub status: String,
    /// setStatus answers by status code; unset codes are accepted.
    pub set_status: HashMap<String, String>,
    pub prices: String,
    pub delay: Duration,
    pub http_500: bool,
    next_id: u32,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            balance: "ACCESS_BALANCE:25.00".into(),
            number: None,
            status: "STATUS_WAIT_CODE".into(),
            set_status: HashMap::new(),
            prices: r#"{"187":{"tg":{"cost":"0.45","count":12},"wa":{"cost":0.9,"count":3}}}"#.into(),
            delay: Duration::ZERO,
            http_500: false,
            next_id: 0,
        }
    }
}

#[derive(Default)]
struct Shared {
    script: Script,
    calls: Vec<HashMap<String, String>>,
}

#[derive(Clone)]
pub struct FakeUpstream {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

impl FakeUpstream {
    pub async fn start() -> FakeUpstream {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let router = Router::new().route("/stubs/handler_api.php", get(answer)).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let url = format!("http://{}/stubs/handler_api.php", listener.local_addr().expect("address"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        FakeUpstream { url, shared }
    }

    pub fn script(&self, change: impl FnOnce(&mut Script)) {
        change(&mut self.shared.lock().unwrap().script);
    }

    /// Calls of `action` so far, with their parameters.
    pub fn calls(&self, action: &str) -> Vec<HashMap<String, String>> {
        self.shared.lock().unwrap().calls.iter().filter(|c| c.get("action").map(String::as_str) == Some(action)).cloned().collect()
    }

    /// Settings for our server to use this upstream.
    pub fn settings(&self, name: &str) -> UpstreamSettings {
        UpstreamSettings {
            name: name.into(),
            base_url: self.url.clone(),
            api_key: ApiKey(KEY.into()),
            timeout_ms: 2_000,
            early_cancel_secs: 120,
            ..UpstreamSettings::default()
        }
    }
}

async fn answer(State(shared): State<Arc<Mutex<Shared>>>, Query(params): Query<HashMap<String, String>>) -> (StatusCode, String) {
    let (script, reply) = {
        let mut shared = shared.lock().unwrap();
        shared.calls.push(params.clone());
        let action = params.get("action").cloned().unwrap_or_default();
        let reply = if params.get("api_key").map(String::as_str) != Some(KEY) {
            "BAD_KEY".to_string()
        } else {
            match action.as_str() {
                "getBalance" => shared.script.balance.clone(),
                "getNumber" => match shared.script.number.clone() {
                    Some(answer) => answer,
                    None => {
                        shared.script.next_id += 1;
                        let id = shared.script.next_id;
                        format!("ACCESS_NUMBER:{}:1312555{:04}", 9000 + id, 100 + id)
                    }
                },
                "getStatus" => shared.script.status.clone(),
                "setStatus" => {
                    let status = params.get("status").cloned().unwrap_or_default();
                    shared.script.set_status.get(&status).cloned().unwrap_or_else(|| {
                        match status.as_str() {
                            "1" => "ACCESS_READY",
                            "3" => "ACCESS_RETRY_GET",
                            "6" => "ACCESS_ACTIVATION",
                            "8" => "ACCESS_CANCEL",
                            _ => "BAD_STATUS",
                        }
                        .to_string()
                    })
                }
                "getPrices" => shared.script.prices.clone(),
                _ => "BAD_ACTION".to_string(),
            }
        };
        (shared.script.clone(), reply)
    };
    if !script.delay.is_zero() {
        tokio::time::sleep(script.delay).await;
    }
    if script.http_500 {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error".into());
    }
    (StatusCode::OK, reply)
}
