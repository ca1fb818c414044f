//! The reseller API over real HTTP: keys, every action and error word,
//! callbacks, and a second instance of our server using the first as its
//! upstream.
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use app::services::webhook_signatures;

use crate::common::{
    self,
    browser::Browser,
    customers::{balance, refunds_of, verified_customer},
    Backend, TestApp,
};

const WEBHOOK_SECRET: &str = "reseller-webhook-secret";

async fn app_for_api(backend: Backend, tune: impl FnOnce(&mut server::config::Config)) -> Option<TestApp> {
    common::spawn_app_with(backend, |c| {
        c.sms_webhook_secret = Some(WEBHOOK_SECRET.into());
        c.api_allow_private_callbacks = true;
        tune(c);
    })
    .await
}

/// One API call by GET; the status and the body.
async fn api(app: &TestApp, params: &[(&str, &str)]) -> (u16, String) {
    let resp = reqwest::Client::new().get(app.url("/stubs/handler_api.php")).query(params).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn new_key(browser: &mut Browser, name: &str, callback: &str) -> serde_json::Value {
    let created = browser.call("create_api_key", &[("name", name), ("callback_url", callback), ("password", common::PASSWORD)]).await;
    assert_eq!(created.status, 200, "{}", created.body);
    created.json()
}

async fn post_sms(app: &TestApp, message_id: &str, number: &str, text: &str) {
    let body = serde_json::json!({"message_id": message_id, "from": "Telegram", "to": number, "text": text}).to_string();
    assert_eq!(common::post_generic_sms(app, &body, WEBHOOK_SECRET).await, 200);
}

async fn keys_are_shown_once_hashed_and_revocable(backend: Backend) {
    let Some(app) = app_for_api(backend, |_| {}).await else { return };
    let mut unverified = common::signed_up(&app, "no_mail_yet").await;
    let refused = unverified.call("create_api_key", &[("name", "bot"), ("callback_url", ""), ("password", common::PASSWORD)]).await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("Verify your email"), "{}", refused.body);

    let (mut browser, _) = verified_customer(&app, "key_owner", 0).await;
    for name in ["", "bot\nDear customer"] {
        assert_eq!(browser.call("create_api_key", &[("name", name), ("callback_url", ""), ("password", common::PASSWORD)]).await.status, 400);
    }
    // A session alone makes no key: it outlives sessions and resets.
    let guessed = browser.call("create_api_key", &[("name", "my bot"), ("callback_url", ""), ("password", "not my password at all")]).await;
    assert_eq!(guessed.status, 400);
    assert!(guessed.body.contains("Your password is not right."), "{}", guessed.body);
    let created = new_key(&mut browser, "my bot", "").await;
    let key = created["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("usnh_") && key.len() > 40);
    let stored: String = sqlx::query_scalar("SELECT key_hash FROM api_keys").fetch_one(&app.db.pool).await.unwrap();
    assert!(!stored.contains(&key[5..]), "only a hash is stored");
    let listed = browser.call("api_keys", &[]).await;
    assert!(!listed.body.contains(&key), "the key is shown once");
    assert_eq!(listed.json()[0]["prefix"], &key[..12]);

    assert_eq!(api(&app, &[("api_key", &key), ("action", "getBalance")]).await, (200, "ACCESS_BALANCE:0.00".into()));
    let id = listed.json()[0]["id"].as_i64().unwrap().to_string();
    let mut stranger = verified_customer(&app, "stranger", 0).await.0;
    assert_eq!(stranger.call("revoke_api_key", &[("key_id", &id)]).await.status, 404, "only the owner revokes");
    assert!(browser.call("revoke_api_key", &[("key_id", &id)]).await.status < 400);
    assert_eq!(api(&app, &[("api_key", &key), ("action", "getBalance")]).await.1, "BAD_KEY");
    let log = browser.call("my_security_log", &[]).await.body;
    for what in ["API key created", "API key used", "API key revoked"] {
        assert!(log.contains(what), "{what} in {log}");
    }
    assert_eq!(browser.call("create_api_key", &[("name", "x"), ("callback_url", "ftp://nope"), ("password", common::PASSWORD)]).await.status, 400);
    let docs = reqwest::get(app.url("/docs/api")).await.unwrap();
    assert_eq!(docs.status(), 200);
    let docs = docs.text().await.unwrap();
    assert!(docs.contains("Reseller API") && docs.contains("/stubs/handler_api.php") && docs.contains("import time, requests"));
}

/// Support sees a customer's keys and can revoke one; the owner's log
/// says an admin did, the audit log names the key.
async fn an_admin_revokes_a_customers_key(backend: Backend) {
    let Some(app) = app_for_api(backend, |_| {}).await else { return };
    let (mut owner, _) = verified_customer(&app, "bot_owner", 0).await;
    let key = new_key(&mut owner, "runaway bot", "").await["key"].as_str().unwrap().to_string();
    assert_eq!(api(&app, &[("api_key", &key), ("action", "getBalance")]).await.1, "ACCESS_BALANCE:0.00");
    let public_id = owner.viewer().await["public_id"].as_str().unwrap().to_string();
    let mut admin = common::signed_in_admin(&app, "key_admin").await;
    let detail = admin.call("admin/user", &[("public_id", &public_id)]).await.json();
    let listed = &detail["api_keys"][0];
    assert_eq!(listed["name"], "runaway bot");
    assert_eq!(listed["prefix"], &key[..12]);
    assert!(listed["last_used_at"].is_i64(), "{listed}");
    let id = listed["id"].as_i64().unwrap().to_string();

    // The key must belong to the account named: no revoking by a bare id.
    let other = verified_customer(&app, "bystander", 0).await.0.viewer().await["public_id"].as_str().unwrap().to_string();
    assert_eq!(admin.call("admin/revoke_api_key", &[("public_id", &other), ("key_id", &id)]).await.status, 404);
    assert_eq!(api(&app, &[("api_key", &key), ("action", "getBalance")]).await.1, "ACCESS_BALANCE:0.00");
    let revoked = admin.call("admin/revoke_api_key", &[("public_id", &public_id), ("key_id", &id)]).await;
    assert!(revoked.status < 400, "{}", revoked.body);
    assert_eq!(api(&app, &[("api_key", &key), ("action", "getBalance")]).await.1, "BAD_KEY");
    assert_eq!(admin.call("admin/revoke_api_key", &[("public_id", &public_id), ("key_id", &id)]).await.status, 404, "once");
    assert_eq!(admin.call("admin/user", &[("public_id", &public_id)]).await.json()["api_keys"][0]["revoked"], true);

    let log = owner.call("my_security_log", &[]).await.body;
    assert!(log.contains("API key revoked by support"), "{log}");
    let mailed: String = sqlx::query_scalar("SELECT body FROM dev_outbox WHERE subject = 'An API key of yours was revoked'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(mailed.contains("\"runaway bot\" of your US Num Hub account bot_owner"), "{mailed}");
    let audit = admin.call("admin/audit_log", &[("action", "user.api_key")]).await.json();
    assert_eq!(audit["entries"][0]["before"], "runaway bot", "{audit}");
    assert_eq!(owner.call("admin/revoke_api_key", &[("public_id", &public_id), ("key_id", &id)]).await.status, 403);
}

async fn every_action_and_error(backend: Backend) {
    // More calls than one key's burst: the limit has a test of its own.
    let Some(app) = app_for_api(backend, |c| c.api_requests_per_second = 100).await else { return };
    let (mut browser, user) = verified_customer(&app, "api_user", 0).await;
    let key = new_key(&mut browser, "bot", "").await["key"].as_str().unwrap().to_string();
    let call = |params: Vec<(&'static str, String)>| {
        let (app, key) = (&app, key.clone());
        async move {
            let mut all: Vec<(&str, String)> = vec![("api_key", key)];
            all.extend(params);
            let borrowed: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
            api(app, &borrowed).await.1
        }
    };
    assert_eq!(api(&app, &[("action", "getBalance")]).await.1, "BAD_KEY");
    assert_eq!(api(&app, &[("api_key", "usnh_wrong"), ("action", "getBalance")]).await.1, "BAD_KEY");
    assert_eq!(call(vec![("action", "doMagic".into())]).await, "BAD_ACTION");
    assert_eq!(call(vec![("action", "getNumber".into()), ("service", "zz".into())]).await, "BAD_SERVICE");
    assert_eq!(call(vec![("action", "getNumber".into()), ("service", "tg".into())]).await, "NO_BALANCE");
    assert_eq!(balance(&app, user).await, 0, "nothing charged");

    let key_id: i64 = sqlx::query_scalar("SELECT id FROM api_keys").fetch_one(&app.db.pool).await.unwrap();
    let posting = app::services::ledger::Posting {
        user_id: user,
        kind: app::domain::EntryKind::TopUp,
        amount: app::domain::Money::from_cents(1000),
        lease_id: None,
        actor_user_id: None,
        note: "",
        idempotency_key: "api-funds",
    };
    app::services::ledger::post(&app.services(), &posting).await.unwrap();
    assert_eq!(call(vec![("action", "getBalance".into())]).await, "ACCESS_BALANCE:10.00");
    let active = || async { serde_json::from_str::<serde_json::Value>(&call(vec![("action", "getActiveActivations".into())]).await).unwrap() };
    assert_eq!(active().await, serde_json::json!({"status": "error", "error": "NO_ACTIVATIONS"}));
    assert_eq!(call(vec![("action", "getNumber".into()), ("service", "tg".into()), ("maxPrice", "0.50".into())]).await, "WRONG_MAX_PRICE:1.20");
    assert_eq!(call(vec![("action", "getNumber".into()), ("service", "tg".into()), ("country", "0".into())]).await, "NO_NUMBERS");

    // A number, its code, done.
    let bought = call(vec![("action", "getNumber".into()), ("service", "tg".into()), ("country", "187".into())]).await;
    let parts: Vec<&str> = bought.split(':').collect();
    assert_eq!((parts.len(), parts[0]), (3, "ACCESS_NUMBER"), "{bought}");
    let (id, phone) = (parts[1].to_string(), parts[2].to_string());
    assert_eq!(balance(&app, user).await, 880);
    let api_key_id: Option<i64> = sqlx::query_scalar("SELECT api_key_id FROM leases WHERE id = $1").bind(id.parse::<i64>().unwrap()).fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(api_key_id, Some(key_id));
    assert_eq!(browser.call("my_leases", &[]).await.json()["open"]["id"].to_string(), id, "the dashboard shows API leases");
    assert_eq!(call(vec![("action", "getNumber".into()), ("service", "telegram".into())]).await, "TOO_MANY_ACTIVE_RENTALS");
    assert_eq!(call(vec![("action", "getStatus".into()), ("id", id.clone())]).await, "STATUS_WAIT_CODE");
    let listed = active().await;
    assert_eq!(listed["status"], "success");
    let one = &listed["activeActivations"][0];
    assert_eq!((&one["activationId"], &one["phoneNumber"], &one["serviceCode"]), (&id.clone().into(), &phone.clone().into(), &"tg".into()), "{listed}");
    assert_eq!((&one["activationStatus"], &one["smsCode"], &one["activationCost"]), (&"0".into(), &serde_json::Value::Null, &"1.20".into()));
    assert_eq!(call(vec![("action", "setStatus".into()), ("id", id.clone()), ("status", "1".into())]).await, "ACCESS_READY");
    assert_eq!(call(vec![("action", "setStatus".into()), ("id", id.clone()), ("status", "6".into())]).await, "BAD_STATUS", "no code yet");
    post_sms(&app, "api-1", &format!("+{phone}"), "Telegram code: 61842").await;
    assert_eq!(call(vec![("action", "getStatus".into()), ("id", id.clone())]).await, "STATUS_OK:61842");
    let one = active().await["activeActivations"][0].clone();
    assert_eq!((&one["activationStatus"], &one["smsCode"], &one["smsText"]), (&"1".into(), &"61842".into(), &"Telegram code: 61842".into()));
    assert_eq!(call(vec![("action", "setStatus".into()), ("id", id.clone()), ("status", "3".into())]).await, "ACCESS_RETRY_GET");
    assert_eq!(call(vec![("action", "setStatus".into()), ("id", id.clone()), ("status", "8".into())]).await, "BAD_STATUS", "no refund after a code");
    assert_eq!(call(vec![("action", "setStatus".into()), ("id", id.clone()), ("status", "5".into())]).await, "BAD_STATUS");
    assert_eq!(call(vec![("action", "setStatus".into()), ("id", id.clone()), ("status", "6".into())]).await, "ACCESS_ACTIVATION");
    assert_eq!(call(vec![("action", "getStatus".into()), ("id", id.clone())]).await, "STATUS_OK:61842");

    // V2 by POST, cancelled on the web page, read through the API.
    let v2 = reqwest::Client::new()
        .post(app.url("/stubs/handler_api.php"))
        .form(&[("api_key", key.as_str()), ("action", "getNumberV2"), ("service", "whatsapp")])
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(v2["activationCost"], "1.50");
    assert_eq!(v2["countryCode"], "187");
    let v2_id = v2["activationId"].as_i64().unwrap().to_string();
    assert!(v2["phoneNumber"].as_str().unwrap().starts_with("1202555"), "{v2}");
    assert!(browser.call("lease_action", &[("lease_id", &v2_id), ("action", "cancel")]).await.status < 400);
    assert_eq!(call(vec![("action", "getStatus".into()), ("id", v2_id.clone())]).await, "STATUS_CANCEL");
    assert_eq!(call(vec![("action", "setStatus".into()), ("id", v2_id.clone()), ("status", "8".into())]).await, "ACCESS_CANCEL_ALREADY");
    assert_eq!(refunds_of(&app, v2_id.parse().unwrap()).await, 1);

    // And cancelled through the API, refunded once.
    let third = call(vec![("action", "getNumber".into()), ("service", "go".into())]).await;
    let third_id = third.split(':').nth(1).unwrap().to_string();
    assert_eq!(call(vec![("action", "setStatus".into()), ("id", third_id.clone()), ("status", "8".into())]).await, "ACCESS_CANCEL");
    assert_eq!(refunds_of(&app, third_id.parse().unwrap()).await, 1);
    assert_eq!(balance(&app, user).await, 880);

    // Someone else's activation is not ours to see.
    let (mut other, _) = verified_customer(&app, "other_api", 0).await;
    let other_key = new_key(&mut other, "theirs", "").await["key"].as_str().unwrap().to_string();
    assert_eq!(api(&app, &[("api_key", &other_key), ("action", "getStatus"), ("id", &id)]).await.1, "WRONG_ACTIVATION_ID");
    assert_eq!(api(&app, &[("api_key", &other_key), ("action", "setStatus"), ("id", &id), ("status", "8")]).await.1, "WRONG_ACTIVATION_ID");
    assert_eq!(call(vec![("action", "getStatus".into()), ("id", "abc".into())]).await, "WRONG_ACTIVATION_ID");

    // Reactivation: the first number again for Telegram (its code keeps it
    // from everyone else), at today's price; never someone else's.
    assert_eq!(api(&app, &[("api_key", &other_key), ("action", "getExtraActivation"), ("activationId", &id)]).await.1, "WRONG_ACTIVATION_ID");
    assert_eq!(call(vec![("action", "getExtraActivation".into()), ("activationId", "abc".into())]).await, "WRONG_ACTIVATION_ID");
    let again = call(vec![("action", "getExtraActivation".into()), ("activationId", id.clone())]).await;
    let parts: Vec<&str> = again.split(':').collect();
    assert_eq!((parts.len(), parts[0], parts[2]), (3, "ACCESS_NUMBER", phone.as_str()), "{again}");
    assert_ne!(parts[1], id, "a new activation");
    assert_eq!(balance(&app, user).await, 760);
    assert_eq!(call(vec![("action", "setStatus".into()), ("id", parts[1].to_string()), ("status", "8".into())]).await, "ACCESS_CANCEL");
    assert_eq!(balance(&app, user).await, 880);

    let prices: serde_json::Value = serde_json::from_str(&call(vec![("action", "getPrices".into())]).await).unwrap();
    assert_eq!(prices["187"]["tg"]["cost"], 1.2);
    assert!(prices["187"]["wa"]["count"].as_i64().unwrap() > 0);
    let one: serde_json::Value = serde_json::from_str(&call(vec![("action", "getPrices".into()), ("service", "wa".into())]).await).unwrap();
    assert_eq!(one["187"].as_object().unwrap().len(), 1);
    // The same counts as getNumbersStatus writes them.
    let status: serde_json::Value = serde_json::from_str(&call(vec![("action", "getNumbersStatus".into()), ("country", "187".into())]).await).unwrap();
    assert_eq!(status["wa_0"], prices["187"]["wa"]["count"].to_string().as_str(), "{status}");
    assert_eq!(status.as_object().unwrap().len(), prices["187"].as_object().unwrap().len());
    assert_eq!(call(vec![("action", "getNumbersStatus".into()), ("country", "0".into())]).await, "{}");
    let countries: serde_json::Value = serde_json::from_str(&call(vec![("action", "getCountries".into())]).await).unwrap();
    assert_eq!(countries["187"]["eng"], "USA");
    let services: serde_json::Value = serde_json::from_str(&call(vec![("action", "getServicesList".into())]).await).unwrap();
    assert!(services["services"].as_array().unwrap().iter().any(|s| s["code"] == "tg" && s["name"] == "Telegram"));
}

/// A caller an admin gave a discount sees and pays their price through
/// the API, on a fresh number and on getExtraActivation alike.
async fn a_discounted_caller_pays_their_price(backend: Backend) {
    let Some(app) = app_for_api(backend, |_| {}).await else { return };
    let (mut browser, user) = verified_customer(&app, "wholesale", 1000).await;
    let key = new_key(&mut browser, "wholesale bot", "").await["key"].as_str().unwrap().to_string();
    let public_id = browser.viewer().await["public_id"].as_str().unwrap().to_string();
    let mut admin = common::signed_in_admin(&app, "price_admin").await;
    assert_eq!(admin.call("admin/set_discount", &[("public_id", &public_id), ("discount", "25")]).await.status, 200);
    let call = |action: &'static str, extra: Vec<(&'static str, String)>| {
        let mut params = vec![("api_key", key.clone()), ("action", action.to_string())];
        params.extend(extra);
        let app = &app;
        async move {
            let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            api(app, &params).await.1
        }
    };
    let prices: serde_json::Value = serde_json::from_str(&call("getPrices", vec![]).await).unwrap();
    assert_eq!(prices["187"]["tg"]["cost"], 0.9, "$1.20 less 25 %");
    assert_eq!(call("getNumber", vec![("service", "tg".into()), ("maxPrice", "0.89".into())]).await, "WRONG_MAX_PRICE:0.90");
    let number = call("getNumber", vec![("service", "tg".into()), ("maxPrice", "0.90".into())]).await;
    let id = number.split(':').nth(1).unwrap_or_else(|| panic!("{number}")).to_string();
    assert_eq!(balance(&app, user).await, 910);
    assert_eq!(call("setStatus", vec![("id", id.clone()), ("status", "8".into())]).await, "ACCESS_CANCEL");
    let again = call("getExtraActivation", vec![("activationId", id)]).await;
    assert!(again.starts_with("ACCESS_NUMBER:"), "{again}");
    assert_eq!(balance(&app, user).await, 910, "the same price again");
}

async fn a_key_is_rate_limited(backend: Backend) {
    let Some(app) = app_for_api(backend, |c| c.api_requests_per_second = 1).await else { return };
    let (mut browser, _) = verified_customer(&app, "hasty", 0).await;
    let key = new_key(&mut browser, "fast bot", "").await["key"].as_str().unwrap().to_string();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(api(&app, &[("api_key", &key), ("action", "getBalance")]).await.0);
    }
    assert_eq!(&statuses[..3], &[200, 200, 200], "a burst of three");
    assert!(statuses[3..].contains(&429), "{statuses:?}");
}

/// Two instances on one PostgreSQL share a key's allowance: a bot spread
/// over both gets no more than from one. (SQLite serves one instance.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_share_a_keys_allowance() {
    let run = async {
        let Some(database) = common::TestDatabase::create(Backend::Postgres).await else { return };
        // One frozen clock, so that every request falls in one window.
        let clock = app::services::clock::ManualClock::new();
        let config = |database: &common::TestDatabase| {
            let mut config = common::test_config(database);
            config.api_requests_per_second = 1;
            // Instances of one deployment share their secret key.
            config.secret_key = Some("5e".repeat(32));
            config
        };
        let second_database = database.second_handle();
        let first = common::start_customised(config(&database), database, {
            let clock = clock.clone();
            move |svc| svc.clock = clock
        })
        .await;
        let second = common::start_customised(config(&second_database), second_database, {
            let clock = clock.clone();
            move |svc| svc.clock = clock
        })
        .await;
        let (mut browser, _) = verified_customer(&first, "spread", 0).await;
        let key = new_key(&mut browser, "spread bot", "").await["key"].as_str().unwrap().to_string();
        let balance = [("api_key", key.as_str()), ("action", "getBalance")];
        for _ in 0..3 {
            assert_eq!(api(&first, &balance).await.0, 200, "the first instance allows its burst of three");
        }
        for _ in 0..3 {
            let (status, body) = api(&second, &balance).await;
            assert_eq!(status, 429, "the key's burst is spent on the other instance: {body}");
        }
        // The next window, once the second instance's own count has refilled.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        clock.advance_millis(3_000);
        assert_eq!(api(&second, &balance).await.0, 200, "a new window allows the key again");
        drop(second);
    };
    tokio::time::timeout(common::TEST_TIMEOUT, run).await.expect("test timed out");
}

/// A customer's server receiving callbacks; fails the first one.
#[derive(Clone, Default)]
struct Receiver {
    hits: Arc<Mutex<Vec<(String, String, String)>>>,
}

async fn start_receiver() -> (Receiver, String) {
    let receiver = Receiver::default();
    let state = receiver.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let state = state.clone();
            async move {
                let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                let mut hits = state.hits.lock().unwrap();
                hits.push((header("x-usnh-timestamp"), header("x-usnh-signature"), body));
                if hits.len() == 1 { axum::http::StatusCode::INTERNAL_SERVER_ERROR } else { axum::http::StatusCode::OK }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (receiver, url)
}

async fn callbacks_are_signed_and_retried(backend: Backend) {
    let Some(app) = app_for_api(backend, |_| {}).await else { return };
    let (receiver, url) = start_receiver().await;
    let (mut browser, _) = verified_customer(&app, "hooked_bot", 500).await;
    let created = new_key(&mut browser, "with callback", &url).await;
    let (key, secret) = (created["key"].as_str().unwrap().to_string(), created["callback_secret"].as_str().unwrap().to_string());
    let bought = api(&app, &[("api_key", &key), ("action", "getNumber"), ("service", "tg")]).await.1;
    let parts: Vec<&str> = bought.split(':').collect();
    let started = std::time::Instant::now();
    post_sms(&app, "cb-1", &format!("+{}", parts[2]), "Telegram code: 40404").await;
    assert!(started.elapsed() < Duration::from_secs(1), "the webhook does not wait for the callback");
    eventually!("failed once, then retried", receiver.hits.lock().unwrap().len() >= 2);
    let (ts, sig, body) = receiver.hits.lock().unwrap()[1].clone();
    assert_eq!(sig, webhook_signatures::generic_signature(&secret, &ts, body.as_bytes()), "signed with the key's secret");
    let payload: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(payload["code"], "40404");
    assert_eq!(payload["activationId"].to_string(), parts[1]);
    // The receiver counts the hit before its answer reaches the sender,
    // which then records the delivery.
    eventually!("the retried callback is recorded as delivered", {
        let delivered_at: Option<i64> = sqlx::query_scalar("SELECT delivered_at FROM api_callbacks").fetch_one(&app.db.pool).await.unwrap();
        delivered_at.is_some()
    });
}

/// Instance B sells numbers it buys from instance A, through A's reseller
/// API and our own upstream client.
async fn a_second_instance_uses_the_first_as_its_upstream(backend: Backend) {
    let Some(first) = app_for_api(backend, |_| {}).await else { return };
    let (mut reseller, reseller_id) = verified_customer(&first, "reseller", 1000).await;
    let key = new_key(&mut reseller, "instance B", "").await["key"].as_str().unwrap().to_string();
    let upstream = app::services::upstream::client::UpstreamSettings {
        name: "instance-a".into(),
        base_url: first.url("/stubs/handler_api.php"),
        api_key: app::services::upstream::client::ApiKey(key),
        max_price_cents: 500,
        ..Default::default()
    };
    let Some(second) = common::spawn_app_with(backend, move |c| {
        c.demo_mode = Some(false);
        c.upstreams = vec![upstream];
    })
    .await
    else {
        return;
    };
    let (mut customer, customer_id) = verified_customer(&second, "end_customer", 500).await;
    let lease = customer.call("confirm_lease", &[("platform", "telegram"), ("price_cents", "120"), ("idempotency_key", "through-a")]).await;
    assert_eq!(lease.status, 200, "{}", lease.body);
    let lease = lease.json();
    let number = lease["number"].as_str().unwrap().to_string();
    assert_eq!(balance(&second, customer_id).await, 380);
    assert_eq!(balance(&first, reseller_id).await, 880, "B paid A");

    // The SMS reaches A; B's poller fetches it; B's customer sees it.
    post_sms(&first, "chain-1", &number, "Telegram code: 90210").await;
    eventually!("the code travelled from A to B", customer.call("my_leases", &[]).await.json()["open"]["code"] == "90210");
    let id = lease["id"].as_i64().unwrap().to_string();
    assert!(customer.call("lease_action", &[("lease_id", &id), ("action", "complete")]).await.status < 400);
    eventually!("B told A the activation is complete", reseller.call("my_leases", &[]).await.json()["recent"][0]["state"] == "completed");
}

per_backend_tests!(
    keys_are_shown_once_hashed_and_revocable,
    an_admin_revokes_a_customers_key,
    every_action_and_error,
    a_discounted_caller_pays_their_price,
    a_key_is_rate_limited,
    callbacks_are_signed_and_retried,
    a_second_instance_uses_the_first_as_its_upstream,
);
