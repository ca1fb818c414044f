//! The admin console's server side: users, disabling, dashboard figures,
//! CSV import, support tickets, and an audit entry for every admin action.
use crate::common::{self, customers::verified_customer, signed_in_admin, TestApp};
use app::number_pool::POOL_SHOWN;

async fn audit_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM admin_audit").fetch_one(&app.db.pool).await.unwrap()
}

async fn find_disable_and_sign_out(app: TestApp) {
    let mut admin = signed_in_admin(&app, "console_admin").await;
    let (mut customer, _) = verified_customer(&app, "findable", 250).await;
    let public_id = customer.viewer().await["public_id"].as_str().unwrap().to_string();
    for query in [public_id.to_lowercase(), "findable@EXAMPLE".into(), "indab".into()] {
        let found = &admin.call("admin/users", &[("query", &query)]).await.json()["users"];
        assert_eq!(found[0]["public_id"], public_id.as_str(), "{query}");
        assert_eq!(found[0]["balance"], 250);
    }
    assert_eq!(admin.call("admin/users", &[("query", "%")]).await.json()["users"].as_array().unwrap().len(), 0, "a % is not a wildcard");
    let detail = admin.call("admin/user", &[("public_id", &public_id)]).await.json();
    assert_eq!(detail["user"]["username"], "findable");
    assert_eq!(detail["ledger"][0]["amount"], 250);
    assert!(!detail["devices"].as_array().unwrap().is_empty());
    assert!(!detail["security_log"].as_array().unwrap().is_empty());

    // A number the customer leased finds them, written as people write it.
    let lease = common::customers::confirm(&mut customer, "telegram", 120, "find-by-number").await;
    assert_eq!(lease.status, 200, "{}", lease.body);
    let number = lease.json()["number_display"].as_str().unwrap().to_string();
    let found = admin.call("admin/users", &[("query", &number)]).await.json();
    assert_eq!((found["users"].as_array().unwrap().len(), &found["leased"]), (1, &1.into()), "{found}");
    assert_eq!(found["users"][0]["public_id"], public_id.as_str(), "{number}");
    assert_eq!(admin.call("admin/users", &[("query", "+1 (312) 555-0199")]).await.json()["users"].as_array().unwrap().len(), 0, "nobody leased that one");
    // Support reads what the number received, in full.
    let number_id: i64 = sqlx::query_scalar("SELECT id FROM numbers WHERE e164 = $1").bind(lease.json()["number"].as_str().unwrap()).fetch_one(&app.db.pool).await.unwrap();
    let sms = app::services::leases::NewSms { number_id: Some(number_id), recipient: "", sender: "Telegram", body: "Telegram code 48151 for findable", code: Some("48151"), source: "test", source_message_id: "find-1" };
    app::services::leases::record_sms(&app.services(), sms).await.unwrap();
    let detail = admin.call("admin/user", &[("public_id", &public_id)]).await.json();
    assert_eq!(detail["leases"][0]["messages"][0]["body"], "Telegram code 48151 for findable", "{detail}");
    let page = admin.get(&format!("/admin/users/{public_id}")).await.body.replace("<!>", "");
    assert!(page.contains("Telegram code 48151 for findable") && page.contains("Code received (48151)"), "{page}");
    assert_eq!(customer.call("my_leases", &[]).await.status, 200);
    assert!(admin.call("admin/set_disabled", &[("public_id", &public_id), ("disabled", "true")]).await.status < 400);
    assert_eq!(customer.call("my_leases", &[]).await.status, 401, "signed out at the next request");
    assert_eq!(customer.call("sign_in", &[("login", "findable"), ("password", common::PASSWORD)]).await.status, 403, "a disabled account cannot sign in");
    let admin_public = admin.viewer().await["public_id"].as_str().unwrap().to_string();
    assert_eq!(admin.call("admin/set_disabled", &[("public_id", &admin_public), ("disabled", "true")]).await.status, 400, "not oneself");
    assert!(admin.call("admin/set_disabled", &[("public_id", &public_id), ("disabled", "false")]).await.status < 400);
    assert!(customer.call("sign_in", &[("login", "findable"), ("password", common::PASSWORD)]).await.status < 400);
}

async fn dashboard_counts_money_and_leases(app: TestApp) {
    let mut admin = signed_in_admin(&app, "dash_admin").await;
    let (mut customer, _) = verified_customer(&app, "dash_user", 500).await;
    let lease = customer.call("confirm_lease", &[("platform", "google"), ("price_cents", "100"), ("idempotency_key", "dashboard-1")]).await;
    assert_eq!(lease.status, 200, "{}", lease.body);
    let lease = lease.json();
    let id = lease["id"].as_i64().unwrap().to_string();
    customer.call("lease_action", &[("lease_id", &id), ("action", "cancel")]).await;
    customer.call("confirm_lease", &[("platform", "telegram"), ("price_cents", "120"), ("idempotency_key", "dashboard-2")]).await;
    let d = admin.call("admin/dashboard", &[]).await.json();
    assert_eq!(d["today"]["revenue"], 220);
    assert_eq!(d["today"]["refunds"], 100);
    assert_eq!(d["today"]["net"], 120);
    assert_eq!(d["today"]["leases"], 2);
    assert_eq!(d["today"]["new_users"], 2);
    assert_eq!(d["days"].as_array().unwrap().len(), 30);
    assert_eq!(d["days"][29]["leases"], 2, "today is the last day");
    assert!(d["by_platform"].as_array().unwrap().iter().any(|p| p[0] == "Google" && p[1] == 1));
    // The customer's $5.00 top-up, of which $1.20 went on the open lease.
    assert_eq!(d["wallets"], serde_json::json!({"held": 380, "funded": 1}));
    assert_eq!((&d["today"]["top_ups"], &d["last_30_days"]["top_ups"]), (&serde_json::json!(500), &serde_json::json!(500)));
    assert_eq!(customer.call("admin/dashboard", &[]).await.status, 403);
    let page = admin.get("/admin").await.body;
    assert!(page.contains("<svg") && page.contains("Revenue per day"), "charts drawn on the server");
    assert!(page.replace("<!>", "").contains("$3.80</span><span class=\"name\">Held in wallets"), "{page}");

    // Support: three tickets; one answered, one answered then written to
    // again, one closed unanswered.
    assert_eq!(d["support"], serde_json::json!({"open": 0, "awaiting_reply": 0, "opened_last_30_days": 0, "median_secs_to_first_reply": null}));
    let mut tickets = Vec::new();
    for subject in ["Answered", "Written again", "Closed"] {
        let opened = customer.call("support/open", &[("subject", subject), ("message", "Hello")]).await;
        assert_eq!(opened.status, 200, "{}", opened.body);
        tickets.push(opened.body.trim().to_string());
    }
    for ticket in &tickets[..2] {
        assert!(admin.call("admin/support_reply", &[("ticket_id", ticket), ("message", "Hello to you")]).await.status < 400);
    }
    assert!(customer.call("support/reply", &[("ticket_id", &tickets[1]), ("message", "One more thing")]).await.status < 400);
    assert!(admin.call("admin/support_close", &[("ticket_id", &tickets[2])]).await.status < 400);
    let support = &admin.call("admin/dashboard", &[]).await.json()["support"];
    assert_eq!(support["open"], 2, "{support}");
    assert_eq!(support["awaiting_reply"], 1, "{support}");
    assert_eq!(support["opened_last_30_days"], 3, "{support}");
    assert!(support["median_secs_to_first_reply"].as_i64().is_some_and(|s| s < 60), "{support}");
    let page = admin.get("/admin").await.body.replace("<!>", "");
    assert!(page.contains(r#"data-testid="support-figures""#) && page.contains("Awaiting our reply"), "{page}");
}

async fn csv_import_reports_each_line(app: TestApp) {
    let mut admin = signed_in_admin(&app, "csv_admin").await;
    let csv = "number,device_id,sim\n+13125550161\n(312) 555-0162,pixel,2\nnot a number\n+13125550161\n\n+13125550163,bad device!,1";
    let report = admin.call("admin/import_numbers", &[("first_line", "1"), ("lines", csv)]).await.json();
    assert_eq!(report["added"], 2);
    let errors: Vec<i64> = report["errors"].as_array().unwrap().iter().map(|e| e[0].as_i64().unwrap()).collect();
    assert_eq!(errors, vec![4, 5, 7], "{report}");
    let pool = admin.call("admin/numbers", &[]).await.json();
    assert_eq!((pool["numbers"].as_array().unwrap().len(), &pool["matching"], &pool["total"]), (2, &serde_json::json!(2), &serde_json::json!(2)), "{pool}");
    // Found by digits however typed, or by the phone's device ID.
    let found = |search: &'static str| {
        let mut admin = admin.clone();
        async move {
            let pool = admin.call("admin/numbers", &[("search", search)]).await.json();
            let numbers: Vec<String> = pool["numbers"].as_array().unwrap().iter().map(|n| n["number"].as_str().unwrap().to_string()).collect();
            (numbers, pool["matching"].as_i64().unwrap(), pool["total"].as_i64().unwrap())
        }
    };
    assert_eq!(found("555-0162").await, (vec!["+13125550162".to_string()], 1, 2));
    assert_eq!(found(" PIXEL ").await, (vec!["+13125550162".to_string()], 1, 2));
    assert_eq!(found("(312) 555").await.1, 2);
    assert_eq!(found("nothing").await, (vec![], 0, 2));
    assert_eq!(found("pixel 0161").await, (vec![], 0, 2), "a device ID's digits are not a number's");
    assert_eq!(admin.clone().call("admin/numbers", &[("search", &"1".repeat(101))]).await.status, 400);
    // A large pool: a page at a time, and a search finds any.
    for n in 0..POOL_SHOWN {
        sqlx::query("INSERT INTO numbers (e164, source, enabled, created_at) VALUES ($1, 'pool', 1, 0)")
            .bind(format!("+1201555{n:04}"))
            .execute(&app.db.pool)
            .await
            .unwrap();
    }
    let pool = admin.clone().call("admin/numbers", &[]).await.json();
    assert_eq!((pool["numbers"].as_array().unwrap().len(), &pool["matching"]), (POOL_SHOWN as usize, &serde_json::json!(POOL_SHOWN + 2)));
    let page = admin.clone().get("/admin/supply").await.body.replace("<!>", "");
    assert!(page.contains(&format!("Numbers 1–{POOL_SHOWN} of {}; find one by its digits or phone.", POOL_SHOWN + 2)), "{page}");
    assert!(page.contains(">Previous</button>") && page.contains(">Next</button>"), "{page}");
    let next = admin.clone().call("admin/numbers", &[("from", &POOL_SHOWN.to_string())]).await.json();
    let numbers: Vec<&str> = next["numbers"].as_array().unwrap().iter().map(|n| n["number"].as_str().unwrap()).collect();
    assert_eq!((numbers, &next["from"]), (vec!["+13125550161", "+13125550162"], &serde_json::json!(POOL_SHOWN)), "{next}");
    let before_start = admin.clone().call("admin/numbers", &[("from", "-1")]).await;
    assert_eq!(before_start.status, 400, "{}", before_start.body);
    assert_eq!(found("3125550163").await.0, Vec::<String>::new(), "refused line");
    assert_eq!(found("312 555 0161").await.0, vec!["+13125550161".to_string()], "past the first page");
    let too_many = "+13125550170\n".repeat(101);
    assert_eq!(admin.call("admin/import_numbers", &[("first_line", "1"), ("lines", &too_many)]).await.status, 400);
}

async fn an_admin_switches_the_numbers_a_search_finds(app: TestApp) {
    let mut admin = signed_in_admin(&app, "bulk_admin").await;
    let csv = "+13125550181,old-phone,1\n+13125550182,old-phone,2\n+13125550183,old-phone,3\n+13125550184,new-phone,1";
    assert_eq!(admin.call("admin/import_numbers", &[("first_line", "1"), ("lines", csv)]).await.json()["added"], 4);
    assert!(admin.call("admin/set_number_enabled", &[("number", "+13125550183"), ("enabled", "false")]).await.status < 400);
    let enabled = || async {
        let rows: Vec<(String, i64)> = sqlx::query_as("SELECT e164, enabled FROM numbers WHERE source = 'pool' ORDER BY e164").fetch_all(&app.db.pool).await.unwrap();
        rows.into_iter().map(|(_, on)| on).collect::<Vec<_>>()
    };
    let switch = |search: &'static str, expected: &'static str, enabled: &'static str| {
        let mut admin = admin.clone();
        async move { admin.call("admin/set_found_enabled", &[("search", search), ("expected", expected), ("enabled", enabled)]).await }
    };
    let audits = audit_count(&app).await;
    // The pool changed since the admin looked (3 found, not 2): nothing moves.
    let stale = switch("OLD-PHONE", "2", "false").await;
    assert_eq!(stale.status, 400);
    assert!(stale.body.contains("now finds 3 numbers, not 2"), "{}", stale.body);
    assert_eq!(switch("", "4", "false").await.status, 400, "the whole pool needs a search");
    assert_eq!(enabled().await, vec![1, 1, 0, 1]);
    assert_eq!(audit_count(&app).await, audits, "a refusal changes nothing");

    let done = switch("OLD-PHONE", "3", "false").await;
    assert_eq!(done.body.trim(), "2", "the one disabled already is not counted");
    assert_eq!(enabled().await, vec![0, 0, 0, 1], "the other phone's number stays");
    let (action, after): (String, String) = sqlx::query_as("SELECT action, after_state FROM admin_audit ORDER BY id DESC LIMIT 1").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(action, "number.enable_found");
    assert_eq!(after, "2 disabled (found by \"old-phone\"): +13125550181 +13125550182", "names exactly what to undo");
    assert_eq!(switch("OLD-PHONE", "3", "false").await.body.trim(), "0");
    assert_eq!(audit_count(&app).await, audits + 1, "nothing changed, nothing recorded");
    // Found by digits too.
    assert_eq!(switch("(312) 555-018", "4", "true").await.body.trim(), "3");
    assert_eq!(enabled().await, vec![1, 1, 1, 1]);
}

async fn support_ticket_round_trip(app: TestApp) {
    let mut admin = signed_in_admin(&app, "support_admin").await;
    let (mut customer, _) = verified_customer(&app, "needs_help", 0).await;
    let (mut other, _) = verified_customer(&app, "nosy", 0).await;
    let empty = admin.get("/admin/support").await.body.replace("<!>", "");
    assert!(empty.contains(r#"data-testid="inbox-empty" class="muted">No open tickets.</td>"#), "the empty inbox says so: {empty}");
    assert_eq!(customer.call("support/open", &[("subject", "x"), ("message", "hi")]).await.status, 400, "subject too short");
    assert_eq!(customer.call("support/open", &[("subject", "Two\nlines"), ("message", "hi")]).await.status, 400, "a subject is one line");
    assert_eq!(customer.call("support/open", &[("subject", "Wrong code"), ("message", "hi"), ("lease_id", "999")]).await.status, 400);
    let opened = customer.call("support/open", &[("subject", "No code arrived"), ("message", "My WhatsApp code never came.")]).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    let id = opened.body.trim().to_string();
    assert_eq!(other.call("support/thread", &[("ticket_id", &id)]).await.status, 404, "one's own tickets only");
    assert_eq!(customer.call("support/unread", &[]).await.body.trim(), "0");

    assert_eq!(admin.call("admin/support_unread", &[]).await.body.trim(), "1", "the admin menu's badge counts it");
    let inbox = admin.call("admin/support_tickets", &[("status", "open")]).await.json()["tickets"].clone();
    assert_eq!(inbox[0]["subject"], "No code arrived");
    assert_eq!(inbox[0]["unread"], true);
    // The customer's open ticket page hears of the answer (their event stream).
    let mut stream = common::event_stream(&app, &customer).await;
    let audits = audit_count(&app).await;
    assert!(admin.call("admin/support_reply", &[("ticket_id", &id), ("message", "Refunded, sorry!")]).await.status < 400);
    assert_eq!(audit_count(&app).await, audits + 1);
    common::read_events_until(&mut stream, &format!("event: support\ndata: {id}\n")).await;
    drop(stream);
    assert_eq!(customer.call("support/unread", &[]).await.body.trim(), "1", "the badge counts it");
    let thread = customer.call("support/thread", &[("ticket_id", &id)]).await.json();
    assert_eq!(thread["messages"][1]["body"], "Refunded, sorry!");
    assert!(thread["events_cursor"].as_i64().is_some(), "{thread}");
    assert_eq!(admin.call("admin/support_unread", &[]).await.body.trim(), "0", "staff replied, so they read it");
    assert_eq!(thread["messages"][1]["author"], "Support", "staff names stay private");
    assert_eq!(customer.call("support/unread", &[]).await.body.trim(), "0", "read now");
    assert!(admin.call("admin/support_close", &[("ticket_id", &id)]).await.status < 400);
    assert_eq!(admin.call("admin/support_close", &[("ticket_id", &id)]).await.status, 400);
    assert_eq!(admin.call("admin/support_tickets", &[("status", "closed")]).await.json()["tickets"][0]["closed_by_customer"], false);
    assert!(customer.call("support/reply", &[("ticket_id", &id), ("message", "It happened again")]).await.status < 400);
    assert_eq!(customer.call("support/tickets", &[]).await.json()[0]["status"], "open", "a customer reply reopens");
    // The customer closes it once answered (not audited: an admin's actions are).
    let audits = audit_count(&app).await;
    assert_eq!(other.call("support/close", &[("ticket_id", &id)]).await.status, 404, "one's own tickets only");
    let page = customer.get(&format!("/support/{id}")).await.body;
    assert!(page.contains("Solved: close the ticket"), "{page}");
    assert!(customer.call("support/close", &[("ticket_id", &id)]).await.status < 400);
    assert_eq!(customer.call("support/tickets", &[]).await.json()[0]["status"], "closed");
    assert_eq!(admin.call("admin/support_tickets", &[("status", "closed")]).await.json()["tickets"][0]["closed_by_customer"], true, "staff see who closed it");
    let staff_page = admin.get(&format!("/admin/support/{id}")).await.body;
    assert!(staff_page.contains("closed by the customer"), "{staff_page}");
    let public_id = customer.viewer().await["public_id"].as_str().unwrap().to_string();
    let user_page = admin.get(&format!("/admin/users/{public_id}")).await.body;
    assert!(user_page.contains("closed by the customer"), "the user page's tickets say so too: {user_page}");
    assert_eq!(customer.call("support/close", &[("ticket_id", &id)]).await.status, 400, "already closed");
    assert_eq!(audit_count(&app).await, audits);
    let page = customer.get(&format!("/support/{id}")).await.body;
    assert!(page.contains("Writing again reopens it.") && !page.contains("Solved: close the ticket"), "{page}");
    assert_eq!(customer.call("admin/support_reply", &[("ticket_id", &id), ("message", "x")]).await.status, 403);
    let page = customer.get("/support").await.body;
    assert!(page.contains("wa.me/") && page.contains("support@usnumhub.example"), "contacts from configuration");
    assert!(page.contains("Common questions") && page.contains("My code has not arrived.") && page.contains(r#"href="/policies#refunds""#), "{page}");
    let visitor_page = common::browser::Browser::new(&app.base).get("/support").await.body;
    assert!(visitor_page.contains("Common questions"), "visitors read them too");
}

/// Staff's console hears of every customer's ticket as it changes
/// (opened, written in, closed: the ticket's id, nothing more), so the
/// inbox, the open thread and the menu's badge follow without a reload;
/// customers hear only of their own.
async fn staff_hear_of_tickets_live(app: TestApp) {
    let admin = signed_in_admin(&app, "live_admin").await;
    let (mut customer, _) = verified_customer(&app, "live_customer", 0).await;
    let (bystander, _) = verified_customer(&app, "bystander", 0).await;
    let mut staff = common::event_stream(&app, &admin).await;
    let mut own = common::event_stream(&app, &customer).await;
    let mut other = common::event_stream(&app, &bystander).await;

    let opened = customer.call("support/open", &[("subject", "Heard at once?"), ("message", "Hello")]).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    let id = opened.body.trim().to_string();
    let heard = common::read_events_until(&mut staff, &format!("event: staff-ticket\ndata: {id}\n")).await;
    assert!(!heard.contains("Hello") && !heard.contains("Heard at once"), "ids only: {heard}");
    common::read_events_until(&mut own, &format!("event: support\ndata: {id}\n")).await;
    assert!(customer.call("support/reply", &[("ticket_id", &id), ("message", "Anyone?")]).await.status < 400);
    common::read_events_until(&mut staff, &format!("event: staff-ticket\ndata: {id}\n")).await;
    assert!(customer.call("support/close", &[("ticket_id", &id)]).await.status < 400);
    common::read_events_until(&mut staff, &format!("event: staff-ticket\ndata: {id}\n")).await;
    let overheard = common::events_within(&mut other, std::time::Duration::from_millis(500)).await;
    assert!(!overheard.contains("event:"), "a customer hears nothing of another's ticket: {overheard}");
}

/// A customer's script posting messages is stopped after 20 in ten
/// minutes; staff replies are not limited.
async fn a_loop_of_support_messages_is_stopped(app: TestApp) {
    let mut admin = signed_in_admin(&app, "patient_admin").await;
    let (mut customer, _) = verified_customer(&app, "chatty", 0).await;
    let id = customer.call("support/open", &[("subject", "Help please"), ("message", "first")]).await.body.trim().to_string();
    for i in 1..20 {
        let answer = customer.call("support/reply", &[("ticket_id", &id), ("message", &format!("again {i}"))]).await;
        assert!(answer.status < 400, "message {i}: {}", answer.body);
    }
    let stopped = customer.call("support/reply", &[("ticket_id", &id), ("message", "one more")]).await;
    assert_eq!(stopped.status, 429, "{}", stopped.body);
    assert!(stopped.body.contains("RateLimited"), "{}", stopped.body);
    assert_eq!(customer.call("support/open", &[("subject", "Another one"), ("message", "x")]).await.status, 429);
    for i in 0..25 {
        assert!(admin.call("admin/support_reply", &[("ticket_id", &id), ("message", &format!("answer {i}"))]).await.status < 400);
    }
    let messages: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM support_messages").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(messages, 20 + 25, "what was refused was not kept");
}

/// Each admin action, done once: the audit log grows by one each time.
async fn every_admin_action_is_audited(app: TestApp) {
    let mut admin = signed_in_admin(&app, "audited_admin").await;
    let (mut customer, _) = verified_customer(&app, "audited_user", 0).await;
    let public_id = customer.viewer().await["public_id"].as_str().unwrap().to_string();
    let lease_sms = {
        let posting = app::services::ledger::Posting {
            user_id: sqlx::query_scalar("SELECT id FROM users WHERE username = 'audited_user'").fetch_one(&app.db.pool).await.unwrap(),
            kind: app::domain::EntryKind::TopUp,
            amount: app::domain::Money::from_cents(300),
            lease_id: None,
            actor_user_id: None,
            note: "",
            idempotency_key: "audit-funds",
        };
        app::services::ledger::post(&app.services(), &posting).await.unwrap();
        let lease = customer.call("confirm_lease", &[("platform", "google"), ("price_cents", "100"), ("idempotency_key", "audit-lease")]).await.json();
        lease["id"].as_i64().unwrap().to_string()
    };
    let unmatched = |id: &str| {
        let svc = app.services();
        let id = id.to_string();
        async move {
            let sms = app::services::leases::NewSms {
                number_id: None,
                recipient: "+13125550999",
                sender: "x",
                body: "code 123456",
                code: Some("123456"),
                source: "test",
                source_message_id: &id,
            };
            app::services::leases::record_sms(&svc, sms).await.unwrap();
            sqlx::query_scalar::<_, i64>("SELECT id FROM sms_messages WHERE source_message_id = $1").bind(&id).fetch_one(&svc.db.pool).await.unwrap().to_string()
        }
    };
    let (sms_a, sms_b) = (unmatched("audit-a").await, unmatched("audit-b").await);
    let ticket = customer.call("support/open", &[("subject", "Audit me"), ("message", "hello")]).await.body.trim().to_string();
    let offer = admin.call("admin/prepare_top_up", &[("query", &public_id), ("amount", "5"), ("note", "n")]).await.json();
    let key = offer["idempotency_key"].as_str().unwrap().to_string();
    let made = customer.call("create_api_key", &[("name", "bot"), ("callback_url", ""), ("password", common::PASSWORD)]).await;
    assert_eq!(made.status, 200, "{}", made.body);
    let api_key = customer.call("api_keys", &[]).await.json()[0]["id"].to_string();
    let request = customer.call("request_top_up", &[("amount", "3")]).await.json()["id"].to_string();
    let saved = admin.call("admin/add_saved_reply", &[("title", "To delete"), ("body", "Gone soon")]).await.body.trim().to_string();
    let edited = admin.call("admin/add_saved_reply", &[("title", "To edit"), ("body", "Soon better")]).await.body.trim().to_string();
    let note = admin.call("admin/add_staff_note", &[("public_id", &public_id), ("body", "To delete")]).await.body.trim().to_string();
    let actions: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("admin/top_up", vec![("public_id", public_id.clone()), ("amount", "5.00".into()), ("note", "n".into()), ("idempotency_key", key)]),
        ("admin/adjust", vec![("public_id", public_id.clone()), ("amount", "-1".into()), ("reason", "typo".into()), ("idempotency_key", "audit-adjust-0001".into())]),
        ("admin/update_platform", vec![("slug", "google".into()), ("name", "Google".into()), ("price", "1.10".into()), ("lease_minutes", "20".into()), ("color", "#4285f4".into()), ("enabled", "yes".into())]),
        ("admin/move_platform", vec![("slug", "google".into()), ("direction", "up".into())]),
        ("admin/add_platform", vec![("name", "Yahoo".into()), ("price", "0.95".into()), ("lease_minutes", "15".into()), ("color", "#6001d2".into())]),
        ("admin/add_number", vec![("number", "+13125550177".into()), ("device_id", "".into()), ("sim", "".into())]),
        ("admin/set_number_enabled", vec![("number", "+13125550177".into()), ("enabled", "false".into())]),
        ("admin/set_found_enabled", vec![("search", "312 555 0177".into()), ("expected", "1".into()), ("enabled", "true".into())]),
        ("admin/import_numbers", vec![("first_line", "1".into()), ("lines", "+13125550178".into())]),
        ("admin/assign_sms", vec![("sms_id", sms_a), ("lease_id", lease_sms)]),
        ("admin/dismiss_sms", vec![("sms_id", sms_b)]),
        ("admin/revoke_api_key", vec![("public_id", public_id.clone()), ("key_id", api_key)]),
        ("admin/add_staff_note", vec![("public_id", public_id.clone()), ("body", "Called about a refund".into())]),
        ("admin/delete_staff_note", vec![("id", note)]),
        ("admin/set_role", vec![("public_id", public_id.clone()), ("role", "admin".into())]),
        ("admin/set_disabled", vec![("public_id", public_id.clone()), ("disabled", "true".into())]),
        ("admin/support_reply", vec![("ticket_id", ticket.clone()), ("message", "hi".into())]),
        ("admin/support_close", vec![("ticket_id", ticket)]),
        ("admin/announce", vec![("text", "Maintenance tonight".into()), ("level", "info".into()), ("hours", "".into())]),
        ("admin/clear_announcement", vec![]),
        ("admin/dismiss_top_up_request", vec![("request_id", request)]),
        ("admin/add_saved_reply", vec![("title", "Refund rules".into()), ("body", "See Refunds.".into())]),
        ("admin/edit_saved_reply", vec![("id", edited), ("title", "Edited".into()), ("body", "Better".into())]),
        ("admin/delete_saved_reply", vec![("id", saved)]),
    ];
    for (name, args) in actions {
        let before = audit_count(&app).await;
        let borrowed: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = admin.call(name, &borrowed).await;
        assert!(answer.status < 400, "{name}: {}", answer.body);
        assert_eq!(audit_count(&app).await, before + 1, "{name} wrote one audit entry");
    }
    let log = admin.call("admin/audit_log", &[("action", "user."), ("admin", "AUDITED_ADMIN")]).await.json();
    let entries = log["entries"].as_array().unwrap();
    // The disabling, the role change, the key revoked and three about notes
    // (one added before).
    assert_eq!(entries.len(), 6, "{log}");
    assert_eq!(entries[0]["action"], "user.disable");
    assert_eq!(entries[1]["before"], "customer");
    assert_eq!(entries[1]["after"], "admin");
}

/// Support's saved replies: titled, listed by title, refused when the
/// title is taken or the text empty, rewritten, deleted; a customer
/// reads none.
async fn saved_replies_are_kept_for_support(app: TestApp) {
    let mut admin = signed_in_admin(&app, "replier").await;
    let (mut customer, _) = verified_customer(&app, "curious", 0).await;
    assert_eq!(admin.call("admin/saved_replies", &[]).await.json(), serde_json::json!([]));
    let added = admin.call("admin/add_saved_reply", &[("title", "  Slow code "), ("body", "Codes can take two minutes.\nPlease wait.")]).await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(admin.call("admin/add_saved_reply", &[("title", "Refunded"), ("body", "We refunded you.")]).await.status, 200);
    for (title, body, why) in [("Slow code", "Again", "already called"), ("ab", "Short title", "3 to 60"), ("Two\nlines", "x", "one line"), ("Empty", "   ", "up to 5,000")] {
        let refused = admin.call("admin/add_saved_reply", &[("title", title), ("body", body)]).await;
        assert_eq!(refused.status, 400, "{title}");
        assert!(refused.body.contains(why), "{title}: {}", refused.body);
    }
    let list = admin.call("admin/saved_replies", &[]).await.json();
    let titles: Vec<&str> = list.as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Refunded", "Slow code"], "by title, trimmed");
    assert_eq!(list[1]["body"], "Codes can take two minutes.\nPlease wait.");
    assert_eq!(customer.call("admin/saved_replies", &[]).await.status, 403);
    let page = admin.get("/admin/support").await.body;
    assert!(page.contains("Codes can take two minutes."), "{page}");
    let slow = list[1]["id"].to_string();
    let edited = admin.call("admin/edit_saved_reply", &[("id", &slow), ("title", " Slow codes "), ("body", "Codes can take five minutes.")]).await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    for (id, title, body, status, why) in [
        (slow.as_str(), "Refunded", "Taken", 400, "already called"),
        (slow.as_str(), "ab", "Short title", 400, "3 to 60"),
        (slow.as_str(), "Fine title", " ", 400, "up to 5,000"),
        ("999999", "Fine title", "Nowhere", 404, ""),
    ] {
        let refused = admin.call("admin/edit_saved_reply", &[("id", id), ("title", title), ("body", body)]).await;
        assert_eq!(refused.status, status, "{title}: {}", refused.body);
        assert!(refused.body.contains(why), "{title}: {}", refused.body);
    }
    assert_eq!(customer.call("admin/edit_saved_reply", &[("id", &slow), ("title", "Mine now"), ("body", "x")]).await.status, 403);
    let list = admin.call("admin/saved_replies", &[]).await.json();
    assert_eq!((list[1]["title"].as_str(), list[1]["body"].as_str()), (Some("Slow codes"), Some("Codes can take five minutes.")), "{list}");
    let id = list[0]["id"].to_string();
    assert_eq!(admin.call("admin/delete_saved_reply", &[("id", &id)]).await.status, 200);
    assert_eq!(admin.call("admin/delete_saved_reply", &[("id", &id)]).await.status, 404);
    assert_eq!(admin.call("admin/saved_replies", &[]).await.json().as_array().unwrap().len(), 1);
    // A ticket's page offers what is left.
    let ticket = customer.call("support/open", &[("subject", "Where is it"), ("message", "No code yet")]).await.body.trim().to_string();
    let page = admin.get(&format!("/admin/support/{ticket}")).await.body.replace("<!>", "");
    assert!(page.contains("Start from a saved reply") && page.contains(">Slow codes</option>"), "{page}");
}

/// Staff notes on a customer: support staff and admins write them, both
/// read them on the customer's page and beside a ticket, each deletes
/// their own (admins any); the customer reads none in the app, finds them
/// in the data export, and takes them along when deleting the account.
async fn staff_keep_notes_on_a_customer(app: TestApp) {
    let mut admin = signed_in_admin(&app, "notes_admin").await;
    let (mut customer, _) = verified_customer(&app, "noted_customer", 0).await;
    let public_id = customer.viewer().await["public_id"].as_str().unwrap().to_string();
    let (mut agent, _) = verified_customer(&app, "notes_agent", 0).await;
    let agent_id = agent.viewer().await["public_id"].as_str().unwrap().to_string();
    assert!(admin.call("admin/set_role", &[("public_id", &agent_id), ("role", "support")]).await.status < 400);
    assert!(agent.call("sign_in", &[("login", "notes_agent"), ("password", common::PASSWORD)]).await.status < 400);

    let added = agent.call("admin/add_staff_note", &[("public_id", &public_id), ("body", "  Refunded lease #12 by hand.\n")]).await;
    assert_eq!(added.status, 200, "{}", added.body);
    let agents_note = added.body.trim().to_string();
    for (who, body, why) in [(public_id.as_str(), " \n ", "up to 2,000"), (public_id.as_str(), &"x".repeat(2001), "up to 2,000"), ("UN-ZZZZZZ", "Hello", "No account has")] {
        let refused = agent.call("admin/add_staff_note", &[("public_id", who), ("body", body)]).await;
        assert_eq!(refused.status, 400, "{why}");
        assert!(refused.body.contains(why), "{why}: {}", refused.body);
    }
    let admins_note = admin.call("admin/add_staff_note", &[("public_id", &public_id), ("body", "Asked for a receipt.")]).await.body.trim().to_string();
    assert_eq!(customer.call("admin/staff_notes", &[("public_id", &public_id)]).await.status, 403);
    assert_eq!(customer.call("admin/add_staff_note", &[("public_id", &public_id), ("body", "All fine")]).await.status, 403);

    let seen = agent.call("admin/staff_notes", &[("public_id", &public_id)]).await.json();
    let notes: Vec<(&str, &str, bool)> = seen["notes"].as_array().unwrap().iter()
        .map(|n| (n["body"].as_str().unwrap(), n["author"].as_str().unwrap(), n["may_delete"].as_bool().unwrap()))
        .collect();
    assert_eq!(notes, [("Asked for a receipt.", "notes_admin", false), ("Refunded lease #12 by hand.", "notes_agent", true)], "newest first, trimmed");
    let as_admin = admin.call("admin/staff_notes", &[("public_id", &public_id)]).await.json();
    assert!(as_admin["notes"].as_array().unwrap().iter().all(|n| n["may_delete"] == true), "{as_admin}");
    let page = agent.get(&format!("/admin/users/{public_id}")).await.body.replace("<!>", "");
    assert!(page.contains("Staff notes") && page.contains("Refunded lease #12 by hand."), "{page}");

    // Beside the customer's ticket too.
    let ticket = customer.call("support/open", &[("subject", "Receipt"), ("message", "Can I have one?")]).await.body.trim().to_string();
    let beside = agent.call("admin/ticket_notes", &[("ticket_id", &ticket)]).await.json();
    assert_eq!((beside["public_id"].as_str(), beside["notes"].as_array().map(Vec::len)), (Some(public_id.as_str()), Some(2)), "{beside}");
    assert_eq!(agent.call("admin/ticket_notes", &[("ticket_id", "999999")]).await.status, 404);
    let page = agent.get(&format!("/admin/support/{ticket}")).await.body.replace("<!>", "");
    assert!(page.contains("Asked for a receipt."), "{page}");

    assert_eq!(agent.call("admin/delete_staff_note", &[("id", &admins_note)]).await.status, 403, "not the agent's own");
    assert_eq!(agent.call("admin/delete_staff_note", &[("id", &agents_note)]).await.status, 200);
    assert_eq!(agent.call("admin/delete_staff_note", &[("id", &agents_note)]).await.status, 404);
    let audited: Vec<(String, String, String)> =
        sqlx::query_as("SELECT action, before_state, after_state FROM admin_audit WHERE action LIKE 'user.note.%' ORDER BY id").fetch_all(&app.db.pool).await.unwrap();
    assert_eq!(audited.iter().map(|(a, _, _)| a.as_str()).collect::<Vec<_>>(), ["user.note.add", "user.note.add", "user.note.delete"]);
    assert_eq!(audited[2].1, "Refunded lease #12 by hand.");

    // The customer's own download holds what is left, without who wrote it.
    let export: serde_json::Value = serde_json::from_str(&customer.get("/account/export").await.body).unwrap();
    assert_eq!(export["staff_notes"], serde_json::json!([{ "body": "Asked for a receipt.", "created_at": export["staff_notes"][0]["created_at"] }]));

    // Listed twenty at a time, newest first; the cursor reads the older ones.
    for n in 1..=20 {
        assert_eq!(admin.call("admin/add_staff_note", &[("public_id", &public_id), ("body", &format!("Note {n}"))]).await.status, 200);
    }
    let bodies = |page: &serde_json::Value| page["notes"].as_array().unwrap().iter().map(|n| n["body"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let newest = agent.call("admin/staff_notes", &[("public_id", &public_id)]).await.json();
    assert_eq!((bodies(&newest).len(), bodies(&newest)[0].as_str(), bodies(&newest)[19].as_str()), (20, "Note 20", "Note 1"));
    let next = newest["next_before"].as_i64().expect("an older page").to_string();
    let older = agent.call("admin/staff_notes", &[("public_id", &public_id), ("before", &next)]).await.json();
    assert_eq!((bodies(&older), &older["next_before"]), (vec!["Asked for a receipt.".to_string()], &serde_json::Value::Null));
    let beside = agent.call("admin/ticket_notes", &[("ticket_id", &ticket), ("before", &next)]).await.json();
    assert_eq!(bodies(&beside), ["Asked for a receipt."]);

    let deleted = customer.call("delete_account", &[("password", common::PASSWORD), ("confirm", "yes"), ("give_up_balance", "yes")]).await;
    assert!(deleted.status < 400, "{}", deleted.body);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM staff_notes").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(left, 0, "erased with the account");
    assert_eq!(agent.call("admin/ticket_notes", &[("ticket_id", &ticket)]).await.json(), serde_json::Value::Null);
}

/// The user list shows 50 accounts a page, newest first, and how many
/// there are; a search pages the same way.
async fn the_user_list_is_paged_newest_first(app: TestApp) {
    use app::domain::{Email, NewPassword, Username};
    let mut admin = signed_in_admin(&app, "pager_admin").await;
    let svc = app.services();
    for n in 0..55 {
        let (email, name) = (Email::parse(&format!("listed{n}@example.com")).unwrap(), Username::parse(&format!("listed{n}")).unwrap());
        let password = NewPassword::parse(common::PASSWORD, None, None).unwrap();
        app::services::accounts::create_verified(&svc, email, name, password, app::domain::Role::Customer).await.unwrap();
    }
    let names = |list: &serde_json::Value| list["users"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let first = admin.call("admin/users", &[("query", "")]).await.json();
    assert_eq!(first["matching"], 56, "the admin too");
    assert_eq!(names(&first).len(), 50);
    assert_eq!((names(&first)[0].as_str(), names(&first)[49].as_str()), ("listed54", "listed5"));
    let before = first["next_before"].as_i64().expect("a next page").to_string();
    let second = admin.call("admin/users", &[("query", ""), ("before", &before)]).await.json();
    assert_eq!(names(&second), ["listed4", "listed3", "listed2", "listed1", "listed0", "pager_admin"]);
    assert!(second["next_before"].is_null());
    let found = admin.call("admin/users", &[("query", "LISTED")]).await.json();
    assert_eq!((found["matching"].as_i64(), names(&found).len()), (Some(55), 50));
    // By role: the administrators alone, or the customers.
    let admins = admin.call("admin/users", &[("query", ""), ("role", "admin")]).await.json();
    assert_eq!((names(&admins), &admins["matching"]), (vec!["pager_admin".to_string()], &1.into()));
    let customers = admin.call("admin/users", &[("query", "listed5"), ("role", "customer")]).await.json();
    assert_eq!((names(&customers), &customers["matching"]), (vec!["listed54".to_string(), "listed53".to_string(), "listed52".to_string(), "listed51".to_string(), "listed50".to_string(), "listed5".to_string()], &6.into()));
    assert_eq!(admin.call("admin/users", &[("query", ""), ("role", "owner")]).await.status, 400);
    let page = admin.get("/admin/users").await.body.replace("<!>", "");
    assert!(page.contains("56 accounts, newest first."), "{page}");
}

/// Everyone's security log, 100 entries a page, newest first; a search
/// keeps one account's (user ID or username) or one address's.
async fn the_security_log_is_searched_and_paged(app: TestApp) {
    use app::{auth::SecurityEventKind, services::{request::RequestMeta, security_log}};
    let mut admin = signed_in_admin(&app, "log_reader").await;
    let (mut watched, watched_id) = verified_customer(&app, "watched", 0).await;
    let watched_public = watched.viewer().await["public_id"].as_str().unwrap().to_string();
    let svc = app.services();
    let meta = RequestMeta { ip: "203.0.113.9".into(), user_agent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0".into() };
    for n in 0..105 {
        security_log::record(&svc.db.pool, svc.now() + n, Some(watched_id), SecurityEventKind::SignIn, &meta, &format!("try {n}")).await.unwrap();
    }
    let details = |page: &serde_json::Value| page["events"].as_array().unwrap().iter().map(|e| e["detail"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let first = admin.call("admin/security_log", &[("search", "203.0.113.9")]).await.json();
    assert_eq!(details(&first).len(), 100);
    assert_eq!(details(&first)[0], "try 104", "newest first");
    let before = first["next_before"].as_i64().expect("a next page").to_string();
    let second = admin.call("admin/security_log", &[("search", "203.0.113.9"), ("before", &before)]).await.json();
    assert_eq!(details(&second), ["try 4", "try 3", "try 2", "try 1", "try 0"]);
    assert!(second["next_before"].is_null());
    // By user ID or a part of the username: theirs only.
    for search in [watched_public.to_lowercase(), "ATCHE".to_string()] {
        let found = admin.call("admin/security_log", &[("search", &search)]).await.json();
        let events = found["events"].as_array().unwrap();
        assert_eq!(events.len(), 100, "{search}");
        assert!(events.iter().all(|e| e["public_id"] == watched_public.as_str()), "{search}");
    }
    assert!(details(&admin.call("admin/security_log", &[("search", "%")]).await.json()).is_empty(), "a % is not a wildcard");
    let page = admin.get("/admin/security").await.body.replace("<!>", "");
    assert!(page.contains("try 104") && !page.contains("No entries."), "rendered by the server");
    // With no search, everyone's: the admin's own sign-in is on the page after.
    let all = admin.call("admin/security_log", &[]).await.json();
    let before = all["next_before"].as_i64().expect("a next page").to_string();
    let older = admin.call("admin/security_log", &[("before", &before)]).await.json();
    assert!(older["events"].as_array().unwrap().iter().any(|e| e["username"] == "log_reader"), "everyone's, with no search");
    assert_eq!(watched.call("admin/security_log", &[]).await.status, 403);
}

backend_tests!(
    the_security_log_is_searched_and_paged,
    the_user_list_is_paged_newest_first,
    staff_keep_notes_on_a_customer,
    saved_replies_are_kept_for_support,
    find_disable_and_sign_out,
    dashboard_counts_money_and_leases,
    csv_import_reports_each_line,
    an_admin_switches_the_numbers_a_search_finds,
    support_ticket_round_trip,
    staff_hear_of_tickets_live,
    a_loop_of_support_messages_is_stopped,
    every_admin_action_is_audited,
);
