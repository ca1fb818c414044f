//! Inbound SMS webhooks end to end: signatures, routing to the open lease,
//! unmatched messages, and redeliveries.
use app::services::webhook_signatures;

use crate::common::{self, Backend};

const SECRET: &str = "test-webhook-secret";
const PUBLIC_URL: &str = "https://usnumhub.example";

async fn app_with_webhooks(backend: Backend) -> Option<common::TestApp> {
    let app = common::spawn_app_with(backend, |c| {
        c.sms_webhook_secret = Some(SECRET.into());
        c.twilio_auth_token = Some("12345".into());
        c.public_url = Some(PUBLIC_URL.into());
        // An https address turns demo numbers off by default; these tests lease them.
        c.demo_mode = Some(true);
    })
    .await?;
    Some(app)
}

async fn open_lease_number(app: &common::TestApp, username: &str) -> (common::browser::Browser, String) {
    let (mut browser, _) = common::customers::verified_customer(app, username, 500).await;
    let lease = browser.call("confirm_lease", &[("platform", "telegram"), ("price_cents", "120"), ("idempotency_key", "webhook-lease")]).await.json();
    (browser, lease["number"].as_str().unwrap().to_string())
}

async fn signed_generic_webhook_delivers_once(backend: Backend) {
    let Some(app) = app_with_webhooks(backend).await else { return };
    let (mut browser, number) = open_lease_number(&app, "hooked").await;
    let body = format!(r#"{{"message_id":"gw-1","from":"Telegram","to":"{number}","text":"Telegram code: 53171\nYou can also tap on this link to log in"}}"#);

    assert_eq!(common::post_generic_sms(&app, &body, "wrong-secret").await, 403);
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sms_messages").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(stored, 0, "a bad signature stores nothing");

    // The same webhook ten times at once: one message, one code.
    let posts = futures_util::future::join_all((0..10).map(|_| common::post_generic_sms(&app, &body, SECRET))).await;
    assert_eq!(posts, [200; 10]);
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sms_messages").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(stored, 1);
    let open = browser.call("my_leases", &[]).await.json();
    assert_eq!(open["open"]["state"], "code_received");
    assert_eq!(open["open"]["code"], "53171");
    assert!(open["open"]["messages"][0]["body"].as_str().unwrap().contains("tap on this link"), "the full text is kept");

    // A message for a number without a lease is kept, unmatched.
    let stray = r#"{"message_id":"gw-2","from":"Bank","to":"+1 (312) 555-0199","text":"Your code is 998877"}"#;
    assert_eq!(common::post_generic_sms(&app, stray, SECRET).await, 200);
    let unmatched: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sms_messages WHERE lease_id IS NULL").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(unmatched, 1);
    // Garbage with a good signature is a clear 400.
    assert_eq!(common::post_generic_sms(&app, "{not json", SECRET).await, 400);
    // An address we cannot read is kept unmatched too: nothing is lost.
    assert_eq!(common::post_generic_sms(&app, r#"{"message_id":"x","from":"a","to":"12","text":"t"}"#, SECRET).await, 200);
}

async fn twilio_webhook_checks_the_signature(backend: Backend) {
    let Some(app) = app_with_webhooks(backend).await else { return };
    let (mut browser, number) = open_lease_number(&app, "twilio_user").await;
    let params: Vec<(String, String)> = [
        ("MessageSid", "SM123"),
        ("From", "+14155550100"),
        ("To", number.as_str()),
        ("Body", "G-418306 is your Google verification code."),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    // Twilio signs the public URL it was given, not our socket address.
    let signed_url = format!("{PUBLIC_URL}/webhooks/sms/twilio");
    let send = |params: Vec<(String, String)>, signature: String| {
        let url = app.url("/webhooks/sms/twilio");
        async move {
            let resp = reqwest::Client::new().post(&url).header("x-twilio-signature", signature).form(&params).send().await.unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        }
    };
    let good = webhook_signatures::twilio_signature("12345", &signed_url, &params);
    let mut tampered = params.clone();
    tampered[3].1 = "G-999999 is your Google verification code.".into();
    assert_eq!(send(tampered, good.clone()).await.0, 403, "a changed body fails");
    assert_eq!(send(params.clone(), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=".into()).await.0, 403);
    let (status, body) = send(params.clone(), good.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>");
    // Twilio retries: nothing new is stored.
    assert_eq!(send(params.clone(), good).await.0, 200);
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sms_messages").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(stored, 1);
    assert_eq!(browser.call("my_leases", &[]).await.json()["open"]["code"], "418306");
}

/// A signed-in page's event stream hears of a code as soon as the webhook
/// delivered it.
async fn live_events_follow_the_webhook(backend: Backend) {
    let Some(app) = app_with_webhooks(backend).await else { return };
    let (browser, number) = open_lease_number(&app, "live_user").await;
    let cookie = browser.cookie_header();
    assert_eq!(reqwest::Client::new().get(app.url("/events")).send().await.unwrap().status(), 401);
    let mut stream = reqwest::Client::new().get(app.url("/events")).header("cookie", cookie).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let lease_id: i64 = sqlx::query_scalar("SELECT id FROM leases").fetch_one(&app.db.pool).await.unwrap();
    let body = format!(r#"{{"message_id":"live-1","from":"Telegram","to":"{number}","text":"Telegram code: 77123"}}"#);
    let started = std::time::Instant::now();
    assert_eq!(common::post_generic_sms(&app, &body, SECRET).await, 200);
    let seen = common::read_events_until_within(&mut stream, &format!("data: {lease_id}"), std::time::Duration::from_secs(5)).await;
    assert!(seen.contains("event: lease"), "{seen}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
}

/// The events cursor Get Number's data comes with.
async fn events_cursor(browser: &mut common::browser::Browser) -> i64 {
    browser.call("my_leases", &[]).await.json()["events_cursor"].as_i64().expect("a cursor")
}

/// Get Number's page is rendered with its data's events cursor; its
/// stream starts with a catch-up only if something changed since (a code
/// that came in between), so a visit needs no reload to be sure.
async fn a_stream_catches_up_on_what_came_after_the_render(backend: Backend) {
    let Some(app) = app_with_webhooks(backend).await else { return };
    let (mut browser, number) = open_lease_number(&app, "catch_up_user").await;
    let cookie = browser.cookie_header();
    // Clear of the server's start: a cursor near it cannot be judged.
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    let open = |cursor: i64| reqwest::Client::new().get(app.url(&format!("/events?after={cursor}"))).header("cookie", cookie.clone()).send();

    let seen_everything = events_cursor(&mut browser).await;
    let mut quiet = open(seen_everything).await.unwrap();
    assert_eq!(quiet.status(), 200);
    let heard = common::events_within(&mut quiet, std::time::Duration::from_millis(1_500)).await;
    assert_eq!(heard, ": open\n\n", "nothing changed, so no event: only the opening comment");

    let rendered = events_cursor(&mut browser).await;
    let body = format!(r#"{{"message_id":"catch-up-1","from":"Telegram","to":"{number}","text":"Telegram code: 55123"}}"#);
    assert_eq!(common::post_generic_sms(&app, &body, SECRET).await, 200);
    // On PostgreSQL this instance hears its own change through NOTIFY, a
    // moment after the commit; a stream opened before that gets the change
    // as a live event instead (the page reloads either way). Wait, to see
    // the catch-up itself.
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'catch_up_user'").fetch_one(&app.db.pool).await.unwrap();
    let events = app.services().events.clone();
    eventually!("the change was heard", events.changed_after(user_id, rendered));
    let mut late = open(rendered).await.unwrap();
    let seen = common::read_events_until(&mut late, "data: resync").await;
    assert!(seen.contains("event: lease"), "{seen}");
    assert_eq!(reqwest::Client::new().get(app.url("/events?after=soon")).header("cookie", cookie.clone()).send().await.unwrap().status(), 400);
}

/// When the PostgreSQL listener loses its connection, what was announced
/// meanwhile went unheard: open pages are told to reload, and changes
/// flow again once it listens anew.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_off_listener_tells_open_pages_to_reload() {
    let run = async {
        let Some(app) = app_with_webhooks(Backend::Postgres).await else { return };
        let (browser, number) = open_lease_number(&app, "cut_off_user").await;
        let mut stream = reqwest::Client::new().get(app.url("/events")).header("cookie", browser.cookie_header()).send().await.unwrap();
        let cut: Vec<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
        )
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(cut, vec![true], "one listener to cut off");
        common::read_events_until(&mut stream, "data: resync").await;
        let body = format!(r#"{{"message_id":"cut-off-1","from":"Telegram","to":"{number}","text":"Telegram code: 66123"}}"#);
        assert_eq!(common::post_generic_sms(&app, &body, SECRET).await, 200);
        let lease_id: i64 = sqlx::query_scalar("SELECT id FROM leases").fetch_one(&app.db.pool).await.unwrap();
        common::read_events_until(&mut stream, &format!("data: {lease_id}")).await;
    };
    tokio::time::timeout(common::TEST_TIMEOUT, run).await.expect("test timed out");
}

/// One account holds a bounded number of event streams (tabs, devices);
/// beyond it a 429, and a closed page gives its stream back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_holds_a_bounded_number_of_event_streams() {
    let run = async {
        let app = common::spawn_app_with(Backend::Sqlite, |config| config.event_streams_per_user = 3).await.expect("SQLite");
        let browser = common::signed_up(&app, "many_tabs").await;
        let cookie = browser.cookie_header();
        let open = || reqwest::Client::new().get(app.url("/events")).header("cookie", cookie.clone()).send();
        let mut streams = Vec::new();
        for _ in 0..3 {
            let stream = open().await.unwrap();
            assert_eq!(stream.status(), 200);
            streams.push(stream);
        }
        assert_eq!(open().await.unwrap().status(), 429);
        let other = common::signed_up(&app, "one_tab").await;
        let other_cookie = other.cookie_header();
        let elsewhere = reqwest::Client::new().get(app.url("/events")).header("cookie", other_cookie).send().await.unwrap();
        assert_eq!(elsewhere.status(), 200, "the limit is per account");
        streams.pop();
        let mut reopened = None;
        eventually!("a closed stream's slot is given back", {
            let stream = open().await.unwrap();
            let ok = stream.status() == 200;
            if ok {
                reopened = Some(stream);
            }
            ok
        }, within = std::time::Duration::from_secs(20));
        drop((streams, reopened, elsewhere));
    };
    tokio::time::timeout(common::TEST_TIMEOUT, run).await.expect("test timed out");
}

/// With two instances on one PostgreSQL, the browser connected to the
/// first hears of an SMS that the second received (LISTEN/NOTIFY).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_instance_delivers_through_postgres() {
    let run = async {
        let Some(app) = app_with_webhooks(Backend::Postgres).await else { return };
        let (browser, number) = open_lease_number(&app, "multi_user").await;
        let mut config = common::test_config(&app.database);
        config.sms_webhook_secret = Some(SECRET.into());
        let second = common::start(config, app.database.second_handle()).await;
        let cookie = browser.cookie_header();
        let mut stream = reqwest::Client::new().get(app.url("/events")).header("cookie", cookie).send().await.unwrap();
        // Let the second instance's listener settle before it receives.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let body = format!(r#"{{"message_id":"multi-1","from":"Telegram","to":"{number}","text":"Telegram code: 44556"}}"#);
        assert_eq!(common::post_generic_sms(&second, &body, SECRET).await, 200);
        common::read_events_until_within(&mut stream, "event: lease", std::time::Duration::from_secs(5)).await;
        drop(second);
    };
    tokio::time::timeout(common::TEST_TIMEOUT, run).await.expect("test timed out");
}

/// SMS text is erased the configured time after its lease ended (and
/// unmatched text that long after it arrived); fresh text stays.
async fn sms_text_is_purged_after_retention(backend: Backend) {
    let Some(app) = app_with_webhooks(backend).await else { return };
    let (mut browser, number) = open_lease_number(&app, "purge_user").await;
    let body = format!(r#"{{"message_id":"purge-1","from":"Telegram","to":"{number}","text":"Telegram code: 24680"}}"#);
    assert_eq!(common::post_generic_sms(&app, &body, SECRET).await, 200);
    let stray = r#"{"message_id":"purge-2","from":"Bank","to":"+1 (312) 555-0188","text":"Your code is 112233"}"#;
    assert_eq!(common::post_generic_sms(&app, stray, SECRET).await, 200);
    let lease_id: i64 = sqlx::query_scalar("SELECT id FROM leases").fetch_one(&app.db.pool).await.unwrap();
    assert!(browser.call("lease_action", &[("lease_id", &lease_id.to_string()), ("action", "complete")]).await.status < 400);

    let svc = app.services();
    assert_eq!(server::workers::purge_sms_text(&svc, 24).await.unwrap(), 0, "nothing is old yet");
    let day = 24 * 3_600_000i64;
    sqlx::query("UPDATE leases SET ended_at = ended_at - $1").bind(day + 1).execute(&app.db.pool).await.unwrap();
    sqlx::query("UPDATE sms_messages SET received_at = received_at - $1").bind(day + 1).execute(&app.db.pool).await.unwrap();
    assert_eq!(server::workers::purge_sms_text(&svc, 24).await.unwrap(), 2);
    let bodies: Vec<(String, Option<String>)> = sqlx::query_as("SELECT body, code FROM sms_messages ORDER BY id").fetch_all(&app.db.pool).await.unwrap();
    assert!(bodies.iter().all(|(b, _)| b.starts_with("[text removed 24 hours")), "{bodies:?}");
    assert_eq!(bodies[0].1.as_deref(), Some("24680"), "the code stays with the listed lease");
    assert_eq!(server::workers::purge_sms_text(&svc, 24).await.unwrap(), 0, "once is enough");
    // "Your numbers" says so, keeps the code and drops the sender.
    let page = browser.get("/numbers").await.body.replace("<!>", "");
    assert!(page.contains("[text removed 24 hours after the lease ended]") && page.contains("Completed (24680)"), "{page}");
    assert!(!page.contains("Telegram · ") && page.contains("A text is erased 24 hours after its lease ended"), "{page}");
}

per_backend_tests!(
    signed_generic_webhook_delivers_once,
    twilio_webhook_checks_the_signature,
    live_events_follow_the_webhook,
    a_stream_catches_up_on_what_came_after_the_render,
    sms_text_is_purged_after_retention,
);
