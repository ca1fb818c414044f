//! `server backup FILE`: a consistent copy of the embedded SQLite database,
//! taken while the server runs (`VACUUM INTO` reads one snapshot while
//! writers go on), then opened and checked as a restore would use it:
//! SQLite's integrity check and the ledger's own. PostgreSQL has its own
//! tools (pg_dump, base backups with WAL archiving).
use std::{path::Path, time::Duration};

use app::services::{
    db::{Backend, DatabaseUrl, Db},
    ledger::{self, VerifyReport},
};

use crate::StartupError;

/// A written and checked backup.
#[derive(Debug)]
pub struct Backup {
    pub bytes: u64,
    pub ledger: VerifyReport,
}

pub async fn sqlite_backup(database: &DatabaseUrl, to: &Path) -> Result<Backup, StartupError> {
    let refuse = |why: String| Err(StartupError::Config(why));
    if database.backend() == Backend::Postgres {
        return refuse("`server backup` copies the embedded SQLite database; back PostgreSQL up with its own tools (pg_dump, or base backups with WAL archiving)".into());
    }
    let Some(source) = database.sqlite_path().filter(|p| p.exists()) else {
        return refuse(format!("there is no database file at {}: nothing to back up", database.redacted()));
    };
    if to.exists() {
        return refuse(format!("{} already exists; a backup never overwrites a file, so name a new one", to.display()));
    }
    let to = std::path::absolute(to).map_err(|e| StartupError::Config(format!("cannot use {} ({e})", to.display())))?;
    let db = Db::connect_with(database, 1, Duration::from_secs(10)).await?;
    let written = sqlx::query("VACUUM INTO $1").bind(to.display().to_string()).execute(&db.pool).await;
    db.pool.close().await;
    written.map_err(|e| StartupError::Config(format!("could not write {} from {} ({e})", to.display(), source.display())))?;

    let copy = Db::connect_with(&DatabaseUrl::sqlite_file(to.clone()), 1, Duration::from_secs(10)).await?;
    let checked = check(&copy).await;
    copy.pool.close().await;
    let ledger = checked?;
    let bytes = std::fs::metadata(&to).map(|m| m.len()).unwrap_or(0);
    if !ledger.problems.is_empty() {
        for problem in &ledger.problems {
            println!("MISMATCH {problem}");
        }
        return Err(StartupError::LedgerMismatch(ledger.problems.len()));
    }
    Ok(Backup { bytes, ledger })
}

async fn check(copy: &Db) -> Result<VerifyReport, StartupError> {
    let unreadable = |e: sqlx::Error| StartupError::Config(format!("the backup cannot be read back ({e})"));
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&copy.pool).await.map_err(unreadable)?;
    if integrity != "ok" {
        return Err(StartupError::Config(format!("the backup failed SQLite's integrity check: {integrity}")));
    }
    ledger::verify(copy).await.map_err(unreadable)
}
