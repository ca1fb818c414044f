//! Backups of the embedded SQLite database: `server backup FILE` by hand,
//! and on a schedule into a folder that keeps the newest few. A backup is
//! one consistent snapshot taken while the server runs (`VACUUM INTO`
//! reads one snapshot while writers go on), then opened and checked as a
//! restore would use it: SQLite's integrity check and the ledger's own.
//! PostgreSQL has its own tools (pg_dump, base backups with WAL archiving).
use std::{
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use app::services::{
    db::{Backend, DatabaseUrl, Db},
    ledger::{self, VerifyReport},
};

use crate::StartupError;

/// A written and checked backup.
#[derive(Debug)]
pub struct Backup {
    pub path: PathBuf,
    pub bytes: u64,
    /// What the ledger check found in the copy: the live database's state.
    pub ledger: VerifyReport,
}

/// Writes a checked copy to `to`, which must not exist.
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

    let copy = Db::connect_with(&DatabaseUrl::sqlite_file_read_only(to.clone()), 1, Duration::from_secs(10)).await?;
    let checked = check(&copy).await;
    copy.pool.close().await;
    let ledger = checked?;
    let bytes = std::fs::metadata(&to).map(|m| m.len()).unwrap_or(0);
    Ok(Backup { path: to, bytes, ledger })
}

async fn check(copy: &Db) -> Result<VerifyReport, StartupError> {
    let unreadable = |e: sqlx::Error| StartupError::Config(format!("the backup cannot be read back ({e})"));
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&copy.pool).await.map_err(unreadable)?;
    if integrity != "ok" {
        return Err(StartupError::Config(format!("the backup failed SQLite's integrity check: {integrity}")));
    }
    ledger::verify(copy).await.map_err(unreadable)
}

/// Automatic backups of `database`: into `dir`, when the newest there is
/// older than `every`, keeping the newest `keep`.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub database: DatabaseUrl,
    pub dir: PathBuf,
    pub every: Duration,
    pub keep: usize,
}

const PREFIX: &str = "usnumhub-";
const SUFFIX: &str = ".db";

/// Takes a backup if one is due, then removes all but the newest `keep`.
/// The copy is written under a `.partial` name and renamed once checked,
/// so a file with a backup's name is always a whole one. Ok(None): none due.
pub async fn backup_if_due(schedule: &Schedule) -> Result<Option<Backup>, StartupError> {
    let dir_error = |e: std::io::Error| StartupError::DataDir { path: schedule.dir.display().to_string(), reason: e.to_string() };
    std::fs::create_dir_all(&schedule.dir).map_err(dir_error)?;
    let existing = backups_in(&schedule.dir).map_err(dir_error)?;
    let newest_age = existing.last().and_then(|p| std::fs::metadata(p).ok()?.modified().ok()?.elapsed().ok());
    if newest_age.is_some_and(|age| age < schedule.every) {
        return Ok(None);
    }
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    let name = format!("{PREFIX}{}{SUFFIX}", app::components::local_time::iso_utc(now).replace(':', ""));
    let path = schedule.dir.join(&name);
    let partial = schedule.dir.join(format!("{name}.partial"));
    let _ = std::fs::remove_file(&partial);
    let mut backup = match sqlite_backup(&schedule.database, &partial).await {
        Ok(backup) => backup,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, &path).map_err(dir_error)?;
    backup.path = path;
    let existing = backups_in(&schedule.dir).map_err(dir_error)?;
    for old in existing.iter().take(existing.len().saturating_sub(schedule.keep)) {
        std::fs::remove_file(old).map_err(dir_error)?;
    }
    Ok(Some(backup))
}

/// The backups in `dir`, oldest first (their names sort by time).
fn backups_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX)))
        .collect();
    found.sort();
    Ok(found)
}
