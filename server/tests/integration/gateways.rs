//! SMS Gateway for Android, the admin's unmatched SMS, and arbitrary
//! input against every parser of outside input — webhooks, the reseller
//! API, server-function forms — over HTTP: never a panic, never a 5xx.
use app::services::{operator_alerts, webhook_signatures};
use proptest::{prelude::*, strategy::ValueTree};

use crate::common::{self, Backend};

const ANDROID_SECRET: &str = "android-secret";
const GENERIC_SECRET: &str = "generic-secret";
const POOL_NUMBER: &str = "+13125550150";

async fn app_with_gateways(backend: Backend) -> Option<common::TestApp> {
    common::spawn_app_with(backend, |c| {
        c.android_gateway_secret = Some(ANDROID_SECRET.into());
        c.sms_webhook_secret = Some(GENERIC_SECRET.into());
        c.twilio_auth_token = Some("12345".into());
        c.public_url = Some("https://usnumhub.example".into());
        // Served over HTTPS admins would need two-step sign-in (two_step.rs
        // tests that); here the admin only adds pool numbers.
        c.admin_two_step = Some(false);
    })
    .await
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn android_event(message_id: &str, sim: i64, text: &str) -> String {
    serde_json::json!({
        "event": "sms:received",
        "id": format!("evt-{message_id}"),
        "webhookId": "hook-1",
        "deviceId": "pixel7a",
        "payload": {
            "messageId": message_id,
            "message": text,
            "phoneNumber": "+14155550100",
            "simNumber": sim,
            "receivedAt": "2026-11-25T15:46:11.000+00:00"
        }
    })
    .to_string()
}

async fn post_android(app: &common::TestApp, body: &str, timestamp: i64, secret: &str) -> u16 {
    let ts = timestamp.to_string();
    let signature = webhook_signatures::android_gateway_signature(secret, body.as_bytes(), &ts);
    common::post_signed_json(app, "/webhooks/sms/android", [("x-timestamp", ts), ("x-signature", signature)], body).await
}

async fn first_in_pool(admin: &mut common::browser::Browser) -> serde_json::Value {
    admin.call("admin/numbers", &[]).await.json()["numbers"][0].clone()
}

/// A customer with funds and a lease on the one pool number.
async fn customer_with_lease(app: &common::TestApp) -> (common::browser::Browser, i64) {
    let (mut browser, _) = common::customers::verified_customer(app, "droid_user", 500).await;
    let lease = browser.call("confirm_lease", &[("platform", "whatsapp"), ("price_cents", "150"), ("idempotency_key", "droid-lease")]).await.json();
    assert_eq!(lease["number"], POOL_NUMBER, "the pool comes before the demo range");
    (browser, lease["id"].as_i64().unwrap())
}

async fn android_gateway_and_unmatched_sms(backend: Backend) {
    let Some(app) = app_with_gateways(backend).await else { return };
    let mut admin = common::signed_in_admin(&app, "pool_admin").await;
    let bad = admin.call("admin/add_number", &[("number", "+1 555"), ("device_id", ""), ("sim", "")]).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let bad = admin.call("admin/add_number", &[("number", POOL_NUMBER), ("device_id", "pixel 7a!"), ("sim", "1")]).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let added = admin.call("admin/add_number", &[("number", "(312) 555-0150"), ("device_id", "pixel7a"), ("sim", "2")]).await;
    assert!(added.status < 400, "{}", added.body);
    let again = admin.call("admin/add_number", &[("number", POOL_NUMBER), ("device_id", ""), ("sim", "")]).await;
    assert_eq!(again.status, 400, "a number is added once");
    let pool = admin.call("admin/numbers", &[]).await.json()["numbers"].clone();
    assert_eq!(pool[0]["gateway"], "Android pixel7a SIM 2");
    assert!(pool[0]["gateway_heard_at"].is_null(), "not heard from yet: {pool}");

    let (mut customer, lease_id) = customer_with_lease(&app).await;
    let body = android_event("a-1", 2, "Your WhatsApp code: 318-402\nDon't share this code with others");
    assert_eq!(post_android(&app, &body, unix_now(), "wrong").await, 403);
    assert_eq!(post_android(&app, &body, unix_now() - 301, ANDROID_SECRET).await, 403, "older than 5 minutes");
    assert_eq!(post_android(&app, &body, unix_now() + 301, ANDROID_SECRET).await, 403, "too far ahead");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sms_messages").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(stored, 0, "refused webhooks store nothing");
    assert_eq!(post_android(&app, &body, unix_now(), ANDROID_SECRET).await, 200);
    assert_eq!(post_android(&app, &body, unix_now(), ANDROID_SECRET).await, 200, "a redelivery succeeds");
    let open = customer.call("my_leases", &[]).await.json();
    assert_eq!(open["open"]["code"], "318402");
    assert_eq!(open["open"]["messages"].as_array().unwrap().len(), 1);
    let pool = admin.call("admin/numbers", &[]).await.json()["numbers"].clone();
    assert_eq!(pool[0]["cooldowns"][0][0], "WhatsApp", "the number got a WhatsApp code: cooling down for WhatsApp");
    assert!(pool[0]["cooldowns"][0][1].is_null(), "for good, with no reuse period configured");
    assert!(pool[0]["open_lease"].as_str().unwrap().contains("WhatsApp"));
    let number = pool[0]["number"].as_str().unwrap().to_string();
    let found = admin.call("admin/numbers", &[("search", &number)]).await.json()["numbers"].clone();
    assert_eq!(found[0]["cooldowns"][0][0], "WhatsApp", "a number found by a search shows its cooldowns too");

    // Other events are acknowledged and ignored.
    let sent = r#"{"event":"sms:sent","deviceId":"pixel7a","payload":{"messageId":"s-1","phoneNumbers":["+14155550100"]}}"#;
    assert_eq!(post_android(&app, sent, unix_now(), ANDROID_SECRET).await, 200);

    // Every signed event from a phone of the pool says it is alive; one
    // silent too long is flagged, until it is heard from again.
    let long_ago = || sqlx::query("UPDATE gateway_devices SET last_seen_at = 0").execute(&app.db.pool);
    assert!(first_in_pool(&mut admin).await["gateway_heard_at"].is_i64());
    long_ago().await.unwrap();
    assert_eq!(first_in_pool(&mut admin).await["gateway_silent"], false, "a phone that does not ping is not judged by silence");
    let ping = r#"{"event":"system:ping","deviceId":"pixel7a","payload":{"health":{"status":"pass"}}}"#;
    assert_eq!(post_android(&app, ping, unix_now(), ANDROID_SECRET).await, 200);
    assert_eq!(first_in_pool(&mut admin).await["gateway_silent"], false);
    long_ago().await.unwrap();
    assert_eq!(first_in_pool(&mut admin).await["gateway_silent"], true);
    let page = admin.get("/admin/supply").await.body.replace("<!>", "");
    assert!(page.contains("silent since"), "{page}");
    assert_eq!(post_android(&app, ping, unix_now(), ANDROID_SECRET).await, 200);
    assert_eq!(first_in_pool(&mut admin).await["gateway_silent"], false);
    let stranger = r#"{"event":"system:ping","deviceId":"not-in-the-pool","payload":{}}"#;
    assert_eq!(post_android(&app, stranger, unix_now(), ANDROID_SECRET).await, 200);
    let devices: Vec<(String, String)> =
        sqlx::query_as("SELECT device_id, last_event FROM gateway_devices").fetch_all(&app.db.pool).await.unwrap();
    assert_eq!(devices, [("pixel7a".to_string(), "system:ping".to_string())], "phones of the pool only");

    // SIM 1 of that phone is no pool number: kept for admins.
    let stray = android_event("a-2", 1, "Your WhatsApp code: 771-009");
    assert_eq!(post_android(&app, &stray, unix_now(), ANDROID_SECRET).await, 200);
    let spam = android_event("a-3", 1, "WIN A PRIZE");
    assert_eq!(post_android(&app, &spam, unix_now(), ANDROID_SECRET).await, 200);
    let unmatched = admin.call("admin/unmatched_sms", &[]).await.json();
    let list = unmatched.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(common::supply_attention(&mut admin).await, 2, "the admin menu's badge counts them");
    assert_eq!(list[0]["recipient"], "Android pixel7a SIM 1");
    assert_eq!(list[0]["code"], "771009");
    let (stray_id, spam_id) = (list[0]["id"].as_i64().unwrap().to_string(), list[1]["id"].as_i64().unwrap().to_string());

    // A customer cannot touch them.
    assert_eq!(customer.call("admin/assign_sms", &[("sms_id", &stray_id), ("lease_id", &lease_id.to_string())]).await.status, 403);
    assert_eq!(admin.call("admin/assign_sms", &[("sms_id", &stray_id), ("lease_id", "999999")]).await.status, 400);
    let typo = admin.call("admin/assign_sms", &[("sms_id", &stray_id), ("lease_id", "lease 7")]).await;
    assert_eq!((typo.status, typo.body.contains("Enter the lease's number")), (400, true), "{}", typo.body);
    // Written as the lease list shows it.
    assert!(admin.call("admin/assign_sms", &[("sms_id", &stray_id), ("lease_id", &format!(" #{lease_id}"))]).await.status < 400);
    assert_eq!(admin.call("admin/assign_sms", &[("sms_id", &stray_id), ("lease_id", &lease_id.to_string())]).await.status, 400, "once");
    assert!(admin.call("admin/dismiss_sms", &[("sms_id", &spam_id)]).await.status < 400);
    assert_eq!(admin.call("admin/dismiss_sms", &[("sms_id", &spam_id)]).await.status, 400, "once");
    assert_eq!(admin.call("admin/unmatched_sms", &[]).await.json().as_array().unwrap().len(), 0);
    assert_eq!(common::supply_attention(&mut admin).await, 0);
    let open = customer.call("my_leases", &[]).await.json();
    assert_eq!(open["open"]["messages"].as_array().unwrap().len(), 2, "the assigned message joins the lease");
    assert_eq!(open["open"]["code"], "771009", "the newest code shows");

    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM admin_audit ORDER BY id").fetch_all(&app.db.pool).await.unwrap();
    for action in ["number.add", "sms.assign", "sms.dismiss"] {
        assert!(actions.iter().any(|a| a == action), "{action} audited: {actions:?}");
    }
}


/// One request of arbitrary content to one of the webhooks, signed
/// correctly (so the parser behind the signature check is reached) or not.
#[derive(Debug, Clone)]
struct Probe {
    route: usize,
    signed: bool,
    body: Vec<u8>,
}

/// Bodies that reach deep: JSON of the right shape with hostile strings
/// (NULs, huge, unicode, numbers where strings go), plus raw bytes.
fn probe() -> impl Strategy<Value = Probe> {
    let text = prop_oneof![
        any::<String>(),
        "[\\x00-\\x7f]{0,40}",
        Just("\0".to_string()),
        Just("x".repeat(5000)),
        Just("+1 (312) 555-0150".to_string()),
    ];
    let json_body = (text.clone(), text.clone(), text.clone(), text.clone(), any::<i64>()).prop_map(|(id, from, to, body, sim)| {
        serde_json::json!({
            "message_id": id, "from": from, "to": to, "text": body,
            "event": "sms:received", "deviceId": to,
            "payload": {"messageId": id, "message": body, "phoneNumber": from, "simNumber": sim}
        })
        .to_string()
        .into_bytes()
    });
    let form_body = (text.clone(), text.clone(), text).prop_map(|(sid, to, body)| {
        form_urlencoded::Serializer::new(String::new()).append_pair("MessageSid", &sid).append_pair("To", &to).append_pair("Body", &body).finish().into_bytes()
    });
    let body = prop_oneof![json_body, form_body, proptest::collection::vec(any::<u8>(), 0..512)];
    (0..3usize, any::<bool>(), body).prop_map(|(route, signed, body)| Probe { route, signed, body })
}

/// A phone that pings and then falls silent gets no new leases (the
/// customer would wait for a code that cannot come); heard from again, it
/// does.
async fn a_silent_phone_gets_no_new_leases(backend: Backend) {
    let Some(app) = app_with_gateways(backend).await else { return };
    let mut admin = common::signed_in_admin(&app, "silence_admin").await;
    assert!(admin.call("admin/add_number", &[("number", POOL_NUMBER), ("device_id", "pixel7a"), ("sim", "1")]).await.status < 400);
    let ping = r#"{"event":"system:ping","deviceId":"pixel7a","payload":{}}"#;
    assert_eq!(post_android(&app, ping, unix_now(), ANDROID_SECRET).await, 200);
    assert_eq!(common::supply_attention(&mut admin).await, 0);
    sqlx::query("UPDATE gateway_devices SET last_seen_at = 0").execute(&app.db.pool).await.unwrap();
    let (mut customer, _) = common::customers::verified_customer(&app, "patient", 500).await;
    let confirm = |key: &'static str| [("platform", "whatsapp"), ("price_cents", "150"), ("idempotency_key", key)];
    let refused = customer.call("confirm_lease", &confirm("silent-01")).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("No number is available"), "{}", refused.body);
    assert_eq!(common::supply_attention(&mut admin).await, 2, "the silent phone and WhatsApp's turned-away customer");
    // The admins hear of it once (housekeeping checks the phones).
    let svc = app.services();
    let silence_mails = || async {
        sqlx::query_scalar::<_, String>("SELECT to_addr FROM dev_outbox WHERE subject = 'Gateway phone pixel7a is silent'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap()
    };
    assert_eq!(operator_alerts::silent_gateway_phones(&svc).await.unwrap(), 1);
    assert_eq!(operator_alerts::silent_gateway_phones(&svc).await.unwrap(), 0, "once while it holds");
    assert_eq!(silence_mails().await, ["silence_admin@example.com"]);

    assert_eq!(post_android(&app, ping, unix_now(), ANDROID_SECRET).await, 200);
    let lease = customer.call("confirm_lease", &confirm("silent-02")).await;
    assert_eq!(lease.status, 200, "{}", lease.body);
    assert_eq!(lease.json()["number"], POOL_NUMBER);
    assert_eq!(common::supply_attention(&mut admin).await, 1, "the turned-away customer counts for a day");
    // Heard again, the alert clears; silent again, it is mailed again.
    assert_eq!(operator_alerts::silent_gateway_phones(&svc).await.unwrap(), 0);
    sqlx::query("UPDATE gateway_devices SET last_seen_at = 0").execute(&app.db.pool).await.unwrap();
    assert_eq!(operator_alerts::silent_gateway_phones(&svc).await.unwrap(), 1);
    assert_eq!(silence_mails().await.len(), 2);
}

async fn send_probe(app: &common::TestApp, probe: &Probe) -> u16 {
    let ts = unix_now().to_string();
    let client = reqwest::Client::new();
    let request = match probe.route {
        0 => {
            let sig = if probe.signed { webhook_signatures::generic_signature(GENERIC_SECRET, &ts, &probe.body) } else { "00".into() };
            client.post(app.url("/webhooks/sms/generic")).header("x-usnh-timestamp", &ts).header("x-usnh-signature", sig)
        }
        1 => {
            let sig = if probe.signed { webhook_signatures::android_gateway_signature(ANDROID_SECRET, &probe.body, &ts) } else { "00".into() };
            client.post(app.url("/webhooks/sms/android")).header("x-timestamp", &ts).header("x-signature", sig)
        }
        _ => {
            let params: Vec<(String, String)> = form_urlencoded::parse(&probe.body).into_owned().collect();
            let url = "https://usnumhub.example/webhooks/sms/twilio";
            let sig = if probe.signed { webhook_signatures::twilio_signature("12345", url, &params) } else { "x".into() };
            client.post(app.url("/webhooks/sms/twilio")).header("x-twilio-signature", sig).header("content-type", "application/x-www-form-urlencoded")
        }
    };
    request.body(probe.body.clone()).send().await.map(|r| r.status().as_u16()).unwrap_or(0)
}

async fn arbitrary_webhooks_never_fail_the_server(backend: Backend) {
    let Some(app) = app_with_gateways(backend).await else { return };
    let cases: usize = std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    // Sampled from the strategy up front (no shrinking: the failing input
    // is printed whole instead), then sent over real HTTP.
    let mut runner = proptest::test_runner::TestRunner::default();
    let strategy = probe();
    for _ in 0..cases {
        let probe = strategy.new_tree(&mut runner).expect("a sample").current();
        let status = send_probe(&app, &probe).await;
        assert!((200..500).contains(&status), "status {status} for {probe:?}");
        if !probe.signed {
            assert_eq!(status, 403, "an unsigned request is refused: {probe:?}");
        }
    }
    let health = reqwest::get(app.url("/healthz")).await.map(|r| r.status().as_u16()).unwrap_or(0);
    assert_eq!(health, 200, "the server is still up");
}


/// Arbitrary parameters to the reseller API and arbitrary form bodies to
/// server functions (signed in): always an answer, never a 5xx.
async fn arbitrary_api_and_form_input_never_fails(backend: Backend) {
    let Some(app) = app_with_gateways(backend).await else { return };
    let (mut browser, _) = common::customers::verified_customer(&app, "fuzzed", 1000).await;
    let key = browser.call("create_api_key", &[("name", "fuzz"), ("callback_url", ""), ("password", common::PASSWORD)]).await.json()["key"].as_str().unwrap().to_string();
    let cases: usize = std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let mut runner = proptest::test_runner::TestRunner::default();
    let value = prop_oneof![any::<String>(), "[a-zA-Z0-9_:.+-]{0,12}", Just("187".to_string()), Just("tg".to_string()), Just("-1".to_string()), Just("99999999999999999999".to_string()), Just("a\0b".to_string())];
    let actions = proptest::sample::select(vec![
        "getBalance", "getNumber", "getNumberV2", "getStatus", "setStatus", "getActiveActivations", "getExtraActivation",
        "getPrices", "getNumbersStatus", "getCountries", "getServicesList", "nonsense",
    ]);
    let names = proptest::sample::select(vec!["service", "country", "maxPrice", "id", "activationId", "status", "x"]);
    let api_case = (actions, proptest::collection::vec((names, value.clone()), 0..5));
    let functions = prop_oneof![
        Just("sign_in"), Just("sign_up"), Just("verify_email"), Just("confirm_lease"), Just("lease_action"), Just("my_ledger"),
        Just("create_api_key"), Just("support/open"), Just("support/reply"), Just("change_password"), Just("request_password_reset")
    ];
    // Real field names too, so that whole, decodable forms reach the
    // functions with arbitrary text in them.
    let field = prop_oneof![
        Just("login".to_string()), Just("password".to_string()), Just("subject".to_string()), Just("message".to_string()),
        Just("name".to_string()), Just("callback_url".to_string()), Just("code".to_string()), Just("number".to_string()), Just("next".to_string()),
        "[a-z_]{1,16}"
    ];
    let form_case = (functions, proptest::collection::vec((field, value), 0..6), proptest::collection::vec(any::<u8>(), 0..200));
    let api_strategy = api_case;
    let client = reqwest::Client::new();
    for i in 0..cases {
        let (action, params) = api_strategy.new_tree(&mut runner).expect("a sample").current();
        let mut query: Vec<(String, String)> = vec![("api_key".into(), key.clone()), ("action".into(), action.into())];
        query.extend(params.into_iter().map(|(k, v)| (k.to_string(), v)));
        let status = client.get(app.url("/stubs/handler_api.php")).query(&query).send().await.map(|r| r.status().as_u16()).unwrap_or(0);
        assert!(status == 200 || status == 429, "API {query:?}: {status}");

        let (function, fields, raw) = form_case.new_tree(&mut runner).expect("a sample").current();
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let answer = if i % 4 == 0 {
            // Raw bytes as the body.
            let resp = client
                .post(app.url(&format!("/api/{function}")))
                .header("origin", app.base.as_str())
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", browser.cookie_header())
                .body(raw)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            resp
        } else {
            browser.call(function, &fields).await.status
        };
        assert!((200..500).contains(&answer), "{function} {fields:?}: {answer}");
    }
}

per_backend_tests!(android_gateway_and_unmatched_sms, a_silent_phone_gets_no_new_leases, arbitrary_webhooks_never_fail_the_server, arbitrary_api_and_form_input_never_fails);
