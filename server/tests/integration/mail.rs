//! Mail goes out over a real SMTP exchange when SMTP is configured.
use crate::common;

use common::{browser::Browser, smtp_sink::SmtpSink, Backend};

async fn verification_code_arrives_over_smtp(backend: Backend) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let Some(app) = common::spawn_app_with(backend, |config| {
        config.smtp_url = Some(url);
        config.mail_from = "US Num Hub <no-reply@usnumhub.example>".into();
    })
    .await
    else {
        return;
    };
    let mut browser = Browser::new(&app.base);
    let answer = browser
        .call("sign_up", &[("email", "smtp@example.com"), ("username", "smtp_user"), ("password", "purple tiger eats nine plums"), ("adult_and_terms", "yes")])
        .await;
    assert!(answer.status < 400, "{}", answer.body);
    let mail = sink.wait_for("smtp@example.com").await;
    assert!(mail.from.contains("no-reply@usnumhub.example"), "{}", mail.from);
    assert!(mail.data.contains("Subject: Your verification code"), "{}", mail.data);
    let code = common::extract_code(mail.data.split("\n\n").nth(1).unwrap_or(&mail.data));
    assert!(browser.call("verify_email", &[("code", &code)]).await.status < 400);
    assert_eq!(browser.viewer().await["email_verified"], true);
    // Nothing went to the development outbox, and its page is gone.
    let outbox: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dev_outbox").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(outbox, 0);
    assert_eq!(browser.get("/dev/outbox").await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    verification_code_arrives_over_smtp(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    verification_code_arrives_over_smtp(Backend::Postgres).await
}
