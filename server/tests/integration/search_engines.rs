//! What search engines and shared links see: robots.txt, the sitemap, one
//! page per platform, and the public pages' descriptions.
use crate::common;

use common::TestApp;

backend_tests!(search_engines_find_the_public_pages_and_one_per_platform,);

async fn search_engines_find_the_public_pages_and_one_per_platform(app: TestApp) {
    // A demo server (the tests' default) asks to be left alone, and has no
    // sitemap without its public address.
    let robots = app.client.get(app.url("/robots.txt")).send().await.unwrap();
    assert_eq!(robots.status(), 200);
    assert_eq!(robots.headers()["content-type"], "text/plain; charset=utf-8");
    assert!(robots.text().await.unwrap().ends_with("User-agent: *\nDisallow: /\n"));
    let sitemap = app.client.get(app.url("/sitemap.xml")).send().await.unwrap();
    assert_eq!(sitemap.status(), 404);

    // The real site: its address known, no demo numbers; one platform off.
    sqlx::query("UPDATE platforms SET enabled = 0 WHERE slug = 'whatsapp'").execute(&app.db.pool).await.unwrap();
    let db = app.stop().await;
    let mut config = common::test_config(&db);
    config.public_url = Some("https://numbers.example/".into());
    config.demo_mode = Some(false);
    let app = common::start(config, db).await;

    let robots = app.client.get(app.url("/robots.txt")).send().await.unwrap().text().await.unwrap();
    for private in ["/admin", "/account", "/wallet", "/numbers", "/support/", "/api/", "/stubs/", "/webhooks/"] {
        assert!(robots.contains(&format!("Disallow: {private}\n")), "{private}: {robots}");
    }
    assert!(!robots.contains("Disallow: /\n"), "{robots}");
    assert!(robots.ends_with("Sitemap: https://numbers.example/sitemap.xml\n"), "{robots}");

    let sitemap = app.client.get(app.url("/sitemap.xml")).send().await.unwrap();
    assert_eq!(sitemap.status(), 200);
    assert!(sitemap.headers().get("set-cookie").is_none());
    let sitemap = sitemap.text().await.unwrap();
    for listed in ["/", "/get-number", "/policies", "/support", "/docs/api", "/platforms/telegram", "/platforms/google"] {
        assert!(sitemap.contains(&format!("<loc>https://numbers.example{listed}</loc>")), "{listed}: {sitemap}");
    }
    // Dated where the date means something: the policies' last change.
    let policies = format!("<loc>https://numbers.example/policies</loc><lastmod>{}</lastmod>", app::pages::policies::POLICIES_LAST_UPDATED);
    assert!(sitemap.contains(&policies), "{sitemap}");
    assert!(sitemap.contains("<loc>https://numbers.example/get-number</loc></url>"), "{sitemap}");
    assert!(!sitemap.contains("whatsapp"), "a platform not offered is not listed: {sitemap}");
    assert!(!sitemap.contains("/admin") && !sitemap.contains("/wallet"));

    // A platform's page: its offer, described for search results and
    // shared links, and the way to rent it.
    let page = app.client.get(app.url("/platforms/telegram")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for expected in [
        "<title>US number for Telegram · US Num Hub</title>",
        r#"<meta name="description" content="A temporary US phone number for Telegram: receive the verification SMS and read the code online. $1.20 for 20 minutes, refunded if no code arrives.">"#,
        r#"<meta property="og:title" content="US number for Telegram · US Num Hub">"#,
        r#"<link href="https://numbers.example/platforms/telegram" rel="canonical">"#,
        r#"<meta property="og:url" content="https://numbers.example/platforms/telegram">"#,
        r#"<meta property="og:image" content="https://numbers.example/icon-512.png">"#,
        r#"<meta name="twitter:card" content="summary">"#,
        r#"href="/get-number?platform=telegram""#,
        r#"href="/platforms/google""#,
    ] {
        assert!(html.contains(expected), "{expected}: {html}");
    }
    assert!(!html.contains(r#"href="/platforms/whatsapp""#), "no link to a platform not offered");
    // The catch-all is for sites without an entry, and says so.
    // (Without the markers Leptos writes around dynamic text.)
    let other = app.client.get(app.url("/platforms/other")).send().await.unwrap().text().await.unwrap().replace("<!>", "");
    assert!(other.contains("<title>US number for any other site · US Num Hub</title>"), "{other}");
    assert!(other.contains("Enter the number on the site and ask it for the code."), "{other}");
    for unknown in ["/platforms/whatsapp", "/platforms/no-such-platform"] {
        let page = app.client.get(app.url(unknown)).send().await.unwrap();
        assert_eq!(page.status(), 404, "{unknown}");
        assert!(page.text().await.unwrap().contains("Page not found"));
    }

    let home = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains(r#"<a href="/platforms/telegram">Telegram</a>"#) && !home.contains("/platforms/whatsapp"), "{home}");

    // The visitors' price list links each platform's page; signing in
    // from a link that chose a platform comes back to it.
    let prices = app.client.get(app.url("/get-number?platform=telegram")).send().await.unwrap().text().await.unwrap();
    assert!(prices.contains(r#"<meta name="description" content="Today's prices"#), "{prices}");
    assert!(prices.contains(r#"<link href="https://numbers.example/get-number" rel="canonical">"#), "{prices}");
    assert!(prices.contains(r#"href="/platforms/telegram""#), "{prices}");
    assert!(prices.contains(r#"href="/sign-in?next=%2Fget-number%3Fplatform%3Dtelegram""#), "{prices}");

    // A customer's own pages describe nothing to anyone.
    let mut customer = common::signed_up(&app, "searcher").await;
    let own = customer.get("/get-number").await;
    assert!(!own.body.contains(r#"name="description""#) && !own.body.contains("og:title"), "{}", own.body);
}
