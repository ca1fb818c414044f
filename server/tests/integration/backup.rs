//! Backups: `server backup` takes a checked copy of the SQLite database
//! while the server moves money, a server restores from it, and what it
//! cannot copy is refused; scheduled backups keep the newest few.
use std::{path::Path, process::Output};

use app::domain::{EntryKind, Money};
use app::services::{
    db::{DatabaseUrl, Db},
    ledger::{self, Posting},
};

use crate::common::{self, browser::Browser, Backend, TestDatabase, PASSWORD};

/// Runs `server backup FILE` as an operator would, beside the server.
async fn backup_cli(database: &TestDatabase, file: &Path) -> Output {
    let (url, data, file) = (database.url.clone(), database.dir.path().join("data"), file.to_path_buf());
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .arg("backup")
            .arg(file)
            .env("DATABASE_URL", url)
            .env("USNH_DATA_DIR", data)
            .output()
            .expect("the server binary runs")
    })
    .await
    .expect("joined")
}

async fn entries(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries").fetch_one(&db.pool).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_money_moves_restores() {
    let app = common::spawn_app(Backend::Sqlite).await.expect("SQLite always starts");
    let _ = common::signed_up(&app, "saver").await;
    let user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'saver'").fetch_one(&app.db.pool).await.unwrap();
    let svc = app.services();
    let top_ups = tokio::spawn(async move {
        for i in 0..300 {
            let key = format!("backup-top-up-{i}");
            let p = Posting { user_id: user, kind: EntryKind::TopUp, amount: Money::from_cents(100), lease_id: None, actor_user_id: None, note: "", idempotency_key: &key };
            ledger::post(&svc, &p).await.unwrap();
        }
    });
    eventually!("some top-ups were committed", entries(&app.db).await >= 20);
    let committed_before = entries(&app.db).await;

    let file = app.database.dir.path().join("backup.db");
    let out = backup_cli(&app.database, &file).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("integrity ok") && stdout.contains("0 problems"), "{stdout}");
    assert!(stdout.contains("secret.key"), "the operator is told to keep the key: {stdout}");
    for suffix in ["-wal", "-shm", "-journal"] {
        assert!(!std::path::Path::new(&format!("{}{suffix}", file.display())).exists(), "the check left {suffix} beside the backup");
    }
    top_ups.await.unwrap();

    let copy = Db::connect(&DatabaseUrl::sqlite_file_read_only(file.clone())).await.unwrap();
    let copied = entries(&copy).await;
    assert!(copied >= committed_before, "the copy holds what was committed before it began ({copied} < {committed_before})");
    let copied_balance = ledger::balance(&copy, user).await.unwrap();
    assert_eq!(copied_balance.cents(), copied * 100, "one snapshot: the balance matches the entries beside it");
    copy.pool.close().await;

    // A backup never overwrites a file.
    let size = std::fs::metadata(&file).unwrap().len();
    let again = backup_cli(&app.database, &file).await;
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"), "{}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(std::fs::metadata(&file).unwrap().len(), size);

    // Restore: stop the server, put the copy in place of its file, start it.
    let database = app.stop().await;
    let live = database.dir.path().join("test.db");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", live.display()));
    }
    std::fs::rename(&file, &live).unwrap();
    let app = common::start(common::test_config(&database), database).await;
    let mut saver = Browser::new(&app.base);
    let signed_in = saver.call("sign_in", &[("login", "saver"), ("password", PASSWORD)]).await;
    assert!(signed_in.status < 400, "{}", signed_in.body);
    let wallet = saver.call("my_wallet", &[]).await.json();
    assert_eq!(wallet["balance"], copied_balance.cents(), "{wallet}");
    assert!(ledger::verify(&app.db).await.unwrap().problems.is_empty());
}

/// PostgreSQL is pointed to its own tools; a missing database is named.
#[tokio::test]
async fn backups_refuse_what_they_cannot_copy() {
    let missing = TestDatabase::create(Backend::Sqlite).await.expect("a temp dir");
    let out = backup_cli(&missing, &missing.dir.path().join("copy.db")).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to back up"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!missing.dir.path().join("test.db").exists(), "no empty database was made");
    if let Some(postgres) = TestDatabase::create(Backend::Postgres).await {
        let out = backup_cli(&postgres, &postgres.dir.path().join("copy.db")).await;
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

fn backup_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// The server backs up at start when the newest backup is older than the
/// schedule, under a name that sorts by time, and removes the oldest past
/// `keep`; files that are not backups stay. A fresh backup is not redone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_backups_keep_the_newest() {
    let database = TestDatabase::create(Backend::Sqlite).await.expect("a temp dir");
    let mut config = common::test_config(&database);
    config.backup_every_minutes = 24 * 60;
    config.backup_keep = 2;
    let schedule = config.backup_schedule().expect("on for SQLite");
    let dir = schedule.dir.clone();
    assert_eq!(dir, config.data_dir.join("backups"), "the default folder");
    std::fs::create_dir_all(&dir).unwrap();
    let three_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 86_400);
    for day in ["2026-01-01", "2026-01-02", "2026-01-03"] {
        let file = std::fs::File::create(dir.join(format!("usnumhub-{day}T000000Z.db"))).unwrap();
        file.set_modified(three_days_ago).unwrap();
    }
    std::fs::write(dir.join("notes.txt"), "not a backup").unwrap();
    let app = common::start(config, database).await;

    eventually!(format!("a backup at start, and only two kept: {:?}", backup_names(&dir)), {
        let names = backup_names(&dir);
        names.len() == 3 && !names[2].starts_with("usnumhub-2026-01-0")
    });
    let names = backup_names(&dir);
    assert_eq!(names[0], "notes.txt");
    assert_eq!(names[1], "usnumhub-2026-01-03T000000Z.db", "the newest old one stays, the older go");
    assert!(names[2].starts_with("usnumhub-") && names[2].ends_with("Z.db") && !names[2].contains(':'), "{names:?}");
    assert!(server::backup::backup_if_due(&schedule).await.unwrap().is_none(), "the fresh backup is not redone");
    assert_eq!(backup_names(&dir), names);
    let copy = Db::connect(&DatabaseUrl::sqlite_file_read_only(dir.join(&names[2]))).await.unwrap();
    let platforms: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM platforms").fetch_one(&copy.pool).await.unwrap();
    assert_eq!(platforms, 16, "a whole database");
    copy.pool.close().await;
    drop(app);
}
