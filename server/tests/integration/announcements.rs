//! The announcement above every page: staff publish, replace and take it
//! down (audited), bad input changes nothing, and its end time passes by
//! itself.
use crate::common::{self, browser::Browser, Backend};

per_backend_tests!(an_announcement_shows_above_every_page_until_it_ends);

async fn banner(browser: &mut Browser, path: &str) -> Option<String> {
    let page = browser.get(path).await;
    assert_eq!(page.status, 200, "{path}");
    let start = page.body.find("data-testid=\"announcement\"")?;
    let text = &page.body[start..];
    let text = &text[text.find('>')? + 1..];
    Some(text[..text.find('<')?].to_string())
}

async fn announcement_audits(app: &common::TestApp) -> Vec<(String, String)> {
    sqlx::query_as("SELECT before_state, after_state FROM admin_audit WHERE action = 'site.announcement' ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

async fn an_announcement_shows_above_every_page_until_it_ends(backend: Backend) {
    let Some((app, clock)) = common::spawn_app_with_clock(backend).await else { return };
    let mut admin = common::signed_in_admin(&app, "herald").await;
    let (mut customer, _) = common::customers::verified_customer(&app, "reader", 0).await;
    let mut visitor = Browser::new(&app.base);
    assert_eq!(banner(&mut visitor, "/policies").await, None, "none at first (and the page is now cached)");

    let published = admin.call("admin/announce", &[("text", "  Telegram codes are slow today.  "), ("level", "warning"), ("hours", "")]).await;
    assert_eq!(published.status, 200, "{}", published.body);
    for path in ["/", "/policies", "/docs/api"] {
        assert_eq!(banner(&mut visitor, path).await.as_deref(), Some("Telegram codes are slow today."), "{path}");
    }
    assert_eq!(banner(&mut customer, "/get-number").await.as_deref(), Some("Telegram codes are slow today."));
    assert!(customer.get("/").await.body.contains("announcement alert alert-warning"));

    // Bad input is refused with a message and changes nothing.
    for (text, level, hours, says) in [
        ("", "info", "", "1 to 300 characters"),
        ("Two\nlines", "info", "", "one line"),
        ("Fine", "loud", "", "info or warning"),
        ("Fine", "info", "0", "1 to 720 hours"),
    ] {
        let refused = admin.call("admin/announce", &[("text", text), ("level", level), ("hours", hours)]).await;
        assert!(refused.status == 400 && refused.body.contains(says), "{text:?}: {}", refused.body);
    }
    assert_eq!(banner(&mut visitor, "/").await.as_deref(), Some("Telegram codes are slow today."));

    // Replaced: the cached Policies page follows at once.
    let replaced = admin.call("admin/announce", &[("text", "Maintenance tonight at 22:00 UTC."), ("level", "info"), ("hours", "2")]).await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(banner(&mut visitor, "/policies").await.as_deref(), Some("Maintenance tonight at 22:00 UTC."));
    assert_eq!(admin.call("admin/announcement", &[]).await.json()["text"], "Maintenance tonight at 22:00 UTC.");

    // Its end passes by itself (the instance re-reads it every few seconds).
    clock.advance_millis(2 * 3_600_000 + 1);
    crate::eventually!("the announcement ended", banner(&mut visitor, "/").await.is_none());
    // Two hours on, the admin's session has lapsed: a new sign-in.
    let mut admin = Browser::new(&app.base);
    assert!(admin.call("sign_in", &[("login", "herald"), ("password", common::PASSWORD)]).await.status < 400);
    let current = admin.call("admin/announcement", &[]).await;
    assert!(current.status == 200 && current.json().is_null(), "{} {}", current.status, current.body);
    assert_eq!(admin.call("admin/clear_announcement", &[]).await.status, 400, "nothing to take down");

    let up = admin.call("admin/announce", &[("text", "Back to normal."), ("level", "info"), ("hours", "")]).await;
    assert_eq!(up.status, 200, "{}", up.body);
    assert!(admin.call("admin/clear_announcement", &[]).await.status < 400);
    assert_eq!(banner(&mut visitor, "/policies").await, None, "taken down");
    assert_eq!(
        announcement_audits(&app).await,
        [
            (String::new(), "warning: Telegram codes are slow today.".to_string()),
            ("warning: Telegram codes are slow today.".into(), "info: Maintenance tonight at 22:00 UTC.".into()),
            (String::new(), "info: Back to normal.".into()),
            ("info: Back to normal.".into(), String::new()),
        ]
    );
}
