//! The ledger under concurrency, idempotency, and its verification, on
//! SQLite and PostgreSQL; the admin recharge over HTTP.
use std::sync::Arc;

use app::domain::{EntryKind, Money};
use app::services::ledger::{self, LedgerError, Posting};

use crate::common::{self, browser::Browser, signed_up, TestApp};

async fn user_id(app: &TestApp, username: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1").bind(username).fetch_one(&app.db.pool).await.unwrap()
}

fn posting<'a>(user_id: i64, kind: EntryKind, cents: i64, key: &'a str) -> Posting<'a> {
    Posting { user_id, kind, amount: Money::from_cents(cents), lease_id: None, actor_user_id: None, note: "", idempotency_key: key }
}

fn verify_cli(app: &TestApp) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["ledger", "verify"])
        .env("DATABASE_URL", &app.database.url)
        .env("USNH_DATA_DIR", app.database.dir.path().join("data"))
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

backend_tests!(
    concurrent_random_movements_keep_every_invariant,
    parallel_debits_against_one_price_succeed_once,
    retried_keys_count_once_and_reused_keys_fail,
    verify_finds_a_tampered_balance,
    admin_recharges_by_public_id_and_corrects,
    bad_recharge_input_changes_nothing,
    a_user_id_finds_its_owner_before_a_lookalike_username,
    admins_export_the_ledger_as_csv,
    customers_download_their_own_statement,
);

/// A customer downloads their own wallet's entries as CSV, worded as the
/// Wallet page words them: nobody else's, no admin's name, not audited;
/// bad dates get a message; visitors are refused; downloads are limited.
async fn customers_download_their_own_statement(app: TestApp) {
    let (mut customer, customer_id) = common::customers::verified_customer(&app, "stmt_customer", 500).await;
    common::customers::verified_customer(&app, "stmt_other", 700).await;
    let admin_id = {
        common::signed_in_admin(&app, "stmt_admin").await;
        user_id(&app, "stmt_admin").await
    };
    let correction = Posting { actor_user_id: Some(admin_id), note: "=1+1", ..posting(customer_id, EntryKind::AdminAdjustment, -125, "stmt-correction") };
    ledger::post(&app.services(), &correction).await.unwrap();
    let public_id = customer.viewer().await["public_id"].as_str().unwrap().to_string();

    let file = customer.get("/wallet/statement.csv").await;
    assert_eq!(file.status, 200, "{}", file.body);
    assert!(file.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let disposition = file.headers["content-disposition"].to_str().unwrap();
    assert!(disposition.contains(&format!("attachment; filename=\"usnumhub-statement-{public_id}-")), "{disposition}");
    let lines: Vec<&str> = file.body.lines().collect();
    assert_eq!(lines[0], "entry,time_utc,what,amount_usd,balance_after_usd,lease");
    assert_eq!(lines.len(), 3, "{}", file.body);
    assert!(lines[1].ends_with(",Top-up — test funds,5.00,5.00,"), "{}", lines[1]);
    assert!(lines[2].ends_with(",Adjustment — =1+1,-1.25,3.75,"), "{}", lines[2]);
    assert!(!file.body.contains("stmt_other") && !file.body.contains("7.00") && !file.body.contains("stmt_admin"), "{}", file.body);
    let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admin_audit").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(audited, 0, "a customer's own statement is not an admin action");
    // Another account's ID in the query changes nothing: it is always one's own.
    let other: String = sqlx::query_scalar("SELECT public_id FROM users WHERE username = 'stmt_other'").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(customer.get(&format!("/wallet/statement.csv?user={other}")).await.body, file.body);

    let refused = customer.get("/wallet/statement.csv?from=2026-02-01&to=2026-01-01").await;
    assert!(refused.status == 400 && refused.body.contains("before the start date"), "{}", refused.body);
    assert_eq!(customer.get("/wallet/statement.csv?from=2020-01-01&to=2020-01-31").await.body.lines().count(), 1, "only the header");
    assert_eq!(Browser::new(&app.base).get("/wallet/statement.csv").await.status, 401);
    // Five downloads in ten minutes (the data export's limit): three were made above.
    for _ in 0..2 {
        assert_eq!(customer.get("/wallet/statement.csv").await.status, 200);
    }
    let limited = customer.get("/wallet/statement.csv").await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.headers.contains_key("retry-after"));
}

/// Admins download a range of days of the ledger as CSV, for the books,
/// or one account's statement, and the download is audited; customers and visitors cannot; bad dates
/// get a message. A note that a spreadsheet would run as a formula stays
/// text.
async fn admins_export_the_ledger_as_csv(app: TestApp) {
    let (mut customer, customer_id) = common::customers::verified_customer(&app, "csv_customer", 500).await;
    let mut admin = common::signed_in_admin(&app, "csv_admin").await;
    let admin_id = user_id(&app, "csv_admin").await;
    let correction = Posting { actor_user_id: Some(admin_id), note: "=1+1", ..posting(customer_id, EntryKind::AdminAdjustment, -125, "csv-correction") };
    ledger::post(&app.services(), &correction).await.unwrap();
    let public_id: String = sqlx::query_scalar("SELECT public_id FROM users WHERE id = $1").bind(customer_id).fetch_one(&app.db.pool).await.unwrap();

    let file = admin.get("/admin/ledger.csv").await;
    assert_eq!(file.status, 200, "{}", file.body);
    assert!(file.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(file.headers["content-disposition"].to_str().unwrap().contains("attachment; filename=\"usnumhub-ledger-"));
    let lines: Vec<&str> = file.body.lines().collect();
    assert_eq!(lines[0], "entry,time_utc,user_id,username,kind,amount_usd,balance_after_usd,lease,by,note");
    assert_eq!(lines.len(), 3, "{}", file.body);
    assert!(lines[1].contains(&format!(",{public_id},csv_customer,top_up,5.00,5.00,,,test funds")), "{}", lines[1]);
    assert!(lines[2].contains(&format!(",{public_id},csv_customer,admin_adjustment,-1.25,3.75,,csv_admin,'=1+1")), "{}", lines[2]);
    let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admin_audit WHERE action = 'ledger.exported' AND admin_user_id = $1")
        .bind(admin_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(audited, 1);

    let before_any = admin.get("/admin/ledger.csv?from=2020-01-01&to=2020-01-31").await;
    assert_eq!(before_any.body.lines().count(), 1, "only the header: {}", before_any.body);
    for (query, message) in [
        ("from=2026-13-01", "is not a date like"),
        ("from=2020-01-01&to=2026-01-01", "at most 366 days"),
        ("from=2026-02-01&to=2026-01-01", "before the start date"),
    ] {
        let refused = admin.get(&format!("/admin/ledger.csv?{query}")).await;
        assert_eq!(refused.status, 400, "{query}");
        assert!(refused.body.contains(message), "{query}: {}", refused.body);
    }
    // One account's statement: only its entries.
    common::customers::verified_customer(&app, "csv_other", 700).await;
    let all = admin.get("/admin/ledger.csv").await;
    assert_eq!(all.body.lines().count(), 4, "{}", all.body);
    let statement = admin.get(&format!("/admin/ledger.csv?user={}", public_id.to_lowercase())).await;
    assert_eq!(statement.status, 200, "{}", statement.body);
    assert_eq!(statement.body.lines().count(), 3, "{}", statement.body);
    assert!(!statement.body.contains("csv_other"), "{}", statement.body);
    assert!(statement.headers["content-disposition"].to_str().unwrap().contains(&format!("usnumhub-ledger-{public_id}-")));
    assert_eq!(admin.get("/admin/ledger.csv?user=UN-ZZZZZZ").await.status, 404);
    assert_eq!(admin.get("/admin/ledger.csv?user=not%20an%20id!").await.status, 400);

    assert_eq!(customer.get("/admin/ledger.csv").await.status, 403);
    assert_eq!(Browser::new(&app.base).get("/admin/ledger.csv").await.status, 401);
}

async fn concurrent_random_movements_keep_every_invariant(app: TestApp) {
    let svc = app.services();
    let mut users = Vec::new();
    for name in ["led_a", "led_b", "led_c"] {
        let _ = signed_up(&app, name).await;
        users.push(user_id(&app, name).await);
    }
    let users = Arc::new(users);
    let mut tasks = Vec::new();
    for task in 0..16u64 {
        let (svc, users) = (svc.clone(), users.clone());
        tasks.push(tokio::spawn(async move {
            // A small deterministic generator per task.
            let mut state = task.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let mut next = move || {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                state >> 33
            };
            let mut accepted = Vec::new();
            for op in 0..25 {
                let user = users[(next() % 3) as usize];
                let (kind, cents) = match next() % 3 {
                    0 => (EntryKind::TopUp, (next() % 5000 + 1) as i64),
                    1 => (EntryKind::LeaseDebit, -((next() % 3000 + 1) as i64)),
                    _ => (EntryKind::Refund, (next() % 500 + 1) as i64),
                };
                let key = format!("t{task}-op{op}");
                let mut result = ledger::post(&svc, &posting(user, kind, cents, &key)).await;
                // Every third operation is retried, as a client would after a timeout.
                if op % 3 == 0 {
                    let again = ledger::post(&svc, &posting(user, kind, cents, &key)).await;
                    match (&result, &again) {
                        (Ok(first), Ok(ledger::Posted::Repeat(second))) => assert_eq!(&first.clone().entry(), second),
                        // Nothing was committed the first time: the retry is a
                        // fresh attempt and may succeed after a top-up.
                        (Err(LedgerError::InsufficientFunds), _) => result = again,
                        other => panic!("retry disagreed: {other:?}"),
                    }
                }
                match result {
                    Ok(posted) => accepted.push((user, cents, posted.entry().id)),
                    Err(LedgerError::InsufficientFunds) => {}
                    Err(e) => panic!("unexpected ledger error: {e}"),
                }
            }
            accepted
        }));
    }
    let mut accepted = Vec::new();
    for t in tasks {
        accepted.extend(t.await.unwrap());
    }
    for &user in users.iter() {
        let expected: i64 = accepted.iter().filter(|(u, ..)| *u == user).map(|(_, c, _)| c).sum();
        assert_eq!(ledger::balance(&app.db, user).await.unwrap().cents(), expected, "no lost update for user {user}");
    }
    let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(entries as usize, accepted.len(), "one entry per accepted movement, none lost, none doubled");
    let report = ledger::verify(&app.db).await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let (ok, out) = verify_cli(&app);
    assert!(ok && out.contains("0 problems"), "{out}");
}

async fn parallel_debits_against_one_price_succeed_once(app: TestApp) {
    let svc = app.services();
    let _ = signed_up(&app, "one_shot").await;
    let user = user_id(&app, "one_shot").await;
    ledger::post(&svc, &posting(user, EntryKind::TopUp, 250, "fund")).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..100 {
        let svc = svc.clone();
        tasks.push(tokio::spawn(async move { ledger::post(&svc, &posting(user, EntryKind::LeaseDebit, -250, &format!("debit-{i}"))).await }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(LedgerError::InsufficientFunds) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(ledger::balance(&app.db, user).await.unwrap(), Money::ZERO);
}

async fn retried_keys_count_once_and_reused_keys_fail(app: TestApp) {
    let svc = app.services();
    let _ = signed_up(&app, "retrier").await;
    let user = user_id(&app, "retrier").await;
    let first = ledger::post(&svc, &posting(user, EntryKind::TopUp, 1000, "k1")).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let svc = svc.clone();
        tasks.push(tokio::spawn(async move { ledger::post(&svc, &posting(user, EntryKind::TopUp, 1000, "k1")).await }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), ledger::Posted::Repeat(first.clone().entry()));
    }
    assert!(matches!(ledger::post(&svc, &posting(user, EntryKind::TopUp, 999, "k1")).await, Err(LedgerError::KeyReused)));
    assert!(matches!(ledger::post(&svc, &posting(user, EntryKind::TopUp, -5, "k2")).await, Err(LedgerError::WrongSign)));
    assert!(matches!(ledger::post(&svc, &posting(user, EntryKind::LeaseDebit, -1001, "k3")).await, Err(LedgerError::InsufficientFunds)));
    assert_eq!(ledger::balance(&app.db, user).await.unwrap().cents(), 1000);
}

async fn verify_finds_a_tampered_balance(app: TestApp) {
    let svc = app.services();
    let _ = signed_up(&app, "tampered").await;
    let user = user_id(&app, "tampered").await;
    ledger::post(&svc, &posting(user, EntryKind::TopUp, 700, "t1")).await.unwrap();
    assert!(verify_cli(&app).0);
    sqlx::query("UPDATE wallets SET balance_cents = 9999 WHERE user_id = $1").bind(user).execute(&app.db.pool).await.unwrap();
    let (ok, out) = verify_cli(&app);
    assert!(!ok, "verify must fail: {out}");
    assert!(out.contains("MISMATCH") && out.contains("9999"), "{out}");
}

async fn admin_boss(app: &TestApp) -> Browser {
    common::signed_in_admin(app, "cashier").await
}

async fn admin_recharges_by_public_id_and_corrects(app: TestApp) {
    let mut customer = signed_up(&app, "payer").await;
    let public_id = customer.viewer().await["public_id"].as_str().unwrap().to_string();
    let mut admin = admin_boss(&app).await;

    let prepared = admin.call("admin/prepare_top_up", &[("query", &public_id.to_lowercase()), ("amount", "12.50"), ("note", "WhatsApp transfer 123")]).await;
    assert_eq!(prepared.status, 200, "{}", prepared.body);
    let confirmation = prepared.json();
    assert_eq!(confirmation["user"]["username"], "payer");
    assert_eq!(confirmation["user"]["balance"], 0);
    assert_eq!(confirmation["amount"], 1250);
    let key = confirmation["idempotency_key"].as_str().unwrap().to_string();

    // The customer's open pages hear of it (their event stream).
    let mut stream = common::event_stream(&app, &customer).await;

    // A double click: two identical confirmations credit once.
    let form = [("public_id", public_id.as_str()), ("amount", "12.50"), ("note", "WhatsApp transfer 123"), ("idempotency_key", key.as_str())];
    let (mut click_a, mut click_b) = (admin.clone(), admin.clone());
    let (a, b) = tokio::join!(click_a.call("admin/top_up", &form), click_b.call("admin/top_up", &form));
    assert_eq!((a.status, b.status), (200, 200), "{} {}", a.body, b.body);
    assert_eq!(customer.call("my_wallet", &[]).await.json()["balance"], 1250);
    common::read_events_until(&mut stream, "event: wallet").await;

    let history = customer.call("my_ledger", &[]).await.json();
    let entries = history["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["kind"], "top_up");
    assert_eq!(entries[0]["description"], "Top-up — WhatsApp transfer 123");

    // A correction needs a reason and never goes below zero.
    let key2 = "0123456789abcdef0123";
    let no_reason = admin.call("admin/adjust", &[("public_id", &public_id), ("amount", "-1"), ("reason", ""), ("idempotency_key", key2)]).await;
    assert_eq!(no_reason.status, 400);
    let too_much = admin.call("admin/adjust", &[("public_id", &public_id), ("amount", "-13"), ("reason", "duplicate transfer"), ("idempotency_key", key2)]).await;
    assert_eq!(too_much.status, 400);
    assert!(too_much.body.contains("$12.50"), "{}", too_much.body);
    let ok = admin.call("admin/adjust", &[("public_id", &public_id), ("amount", "-2.50"), ("reason", "fee correction"), ("idempotency_key", "fedcba9876543210fedc")]).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(customer.call("my_wallet", &[]).await.json()["balance"], 1000);

    let audit: Vec<(String, String)> = sqlx::query_as("SELECT action, after_state FROM admin_audit ORDER BY id").fetch_all(&app.db.pool).await.unwrap();
    assert_eq!(audit.len(), 2, "one audit entry per movement: {audit:?}");
    assert_eq!(audit[0].0, "top_up");
    assert!(audit[1].1.contains("$10.00"), "{audit:?}");
    let filtered = customer.call("my_ledger", &[("kind", "admin_adjustment")]).await.json();
    assert_eq!(filtered["entries"].as_array().unwrap().len(), 1);
    assert!(verify_cli(&app).0);
}

/// A customer sends their user ID over WhatsApp; someone else signed up
/// with that ID's six characters as a username. The admin's lookup by the
/// ID, typed any way, finds the ID's owner, so the top-up cannot go astray.
async fn a_user_id_finds_its_owner_before_a_lookalike_username(app: TestApp) {
    // The look-alike signs up first, so that it is the first row a
    // careless query would find; the owner is given the matching ID.
    let body = "7k3q9m".to_string();
    signed_up(&app, &body).await;
    signed_up(&app, "id_owner").await;
    let public_id = "UN-7K3Q9M".to_string();
    sqlx::query("UPDATE users SET public_id = $1 WHERE username = 'id_owner'").bind(&public_id).execute(&app.db.pool).await.unwrap();
    signed_up(&app, "jasper").await;
    let admin = admin_boss(&app).await;
    let found = |query: String| {
        let mut admin = admin.clone();
        async move {
            let answer = admin.call("admin/prepare_top_up", &[("query", &query), ("amount", "5"), ("note", "")]).await;
            assert_eq!(answer.status, 200, "{query:?}: {}", answer.body);
            answer.json()["user"]["username"].as_str().unwrap().to_string()
        }
    };
    for query in [public_id.clone(), public_id.to_lowercase(), body.clone(), body.to_uppercase(), format!("UN{body}")] {
        assert_eq!(found(query).await, "id_owner");
    }
    // The look-alike is found by its email, and a username shaped like an
    // ID that nobody has ("UN-JASPER") is still found as a username.
    assert_eq!(found(format!("{body}@example.com")).await, body);
    assert_eq!(found("jasper".into()).await, "jasper");
    // Signing up as "un-" and an ID is refused outright.
    let mut copycat = Browser::new(&app.base);
    let answer = copycat
        .call("sign_up", &[("email", "copycat@example.com"), ("username", &format!("un-{body}")), ("password", common::PASSWORD), ("adult_and_terms", "yes")])
        .await;
    assert!(answer.status == 400 && answer.body.contains("look like a user ID"), "{}", answer.body);
}

async fn bad_recharge_input_changes_nothing(app: TestApp) {
    let mut customer = signed_up(&app, "careful").await;
    let public_id = customer.viewer().await["public_id"].as_str().unwrap().to_string();
    let mut admin = admin_boss(&app).await;
    let key = "aaaaaaaaaaaaaaaaaaaa";
    for amount in ["abc", "-5", "0.001", "99999999999", "1e5", "", "0", "12,50"] {
        let answer = admin.call("admin/top_up", &[("public_id", &public_id), ("amount", amount), ("note", ""), ("idempotency_key", key)]).await;
        assert_eq!(answer.status, 400, "{amount:?}: {}", answer.body);
    }
    // A decimal comma is not read as thousands ($1,250 for "12,50").
    let comma = admin.call("admin/prepare_top_up", &[("query", &public_id), ("amount", "12,50"), ("note", "")]).await;
    assert!(comma.status == 400 && comma.body.contains("Use a dot for cents"), "{}", comma.body);
    let unknown = admin.call("admin/top_up", &[("public_id", "UN-ZZZZZZ"), ("amount", "5"), ("note", ""), ("idempotency_key", key)]).await;
    assert_eq!(unknown.status, 400);
    let lookup = admin.call("admin/prepare_top_up", &[("query", "nobody@example.com"), ("amount", "5"), ("note", "")]).await;
    assert_eq!(lookup.status, 400);
    // A customer cannot recharge, not even themself.
    let me = customer.call("admin/top_up", &[("public_id", &public_id), ("amount", "5"), ("note", ""), ("idempotency_key", key)]).await;
    assert_eq!(me.status, 403);
    let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(entries, 0);

}
