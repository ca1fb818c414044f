//! The data-access layer over SQLite (embedded default) and PostgreSQL,
//! through sqlx's `Any` driver so one set of queries serves both. Queries
//! use `$1` placeholders, which both backends accept. Money is integer
//! cents and times are UTC milliseconds since the epoch (BIGINT).
use std::{path::PathBuf, str::FromStr, time::Duration};

use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
    Any, AnyPool, Executor, Transaction,
};

/// Why the database could not be opened. Each message says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("DATABASE_URL {url} is not usable ({reason}); use sqlite://path/to/file.db or postgres://user:password@host:5432/dbname")]
    BadUrl { url: String, reason: String },
    #[error("cannot reach PostgreSQL at {url} ({reason}); start it or fix DATABASE_URL")]
    Unreachable { url: String, reason: String },
    #[error("cannot open the SQLite database {path} ({reason}); check the path and its permissions")]
    SqliteOpen { path: String, reason: String },
    #[error("the data directory {path} is not writable ({reason}); set USNH_DATA_DIR to a writable directory")]
    DataDir { path: String, reason: String },
    #[error("database migration failed: {0}")]
    Migrate(String),
}

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of a connection (inside a transaction, where the
    /// `Db` that made it is not at hand).
    pub fn of(conn: &sqlx::AnyConnection) -> Backend {
        if conn.backend_name() == "PostgreSQL" { Backend::Postgres } else { Backend::Sqlite }
    }
}

/// A database URL whose backend we know.
#[derive(Debug, Clone)]
pub struct DatabaseUrl {
    raw: String,
    backend: Backend,
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<DatabaseUrl, ConnectError> {
        let bad = |reason: &str| ConnectError::BadUrl {
            url: redact(raw),
            reason: reason.to_string(),
        };
        let backend = if raw.starts_with("sqlite:") {
            Backend::Sqlite
        } else if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(bad("it must start with sqlite: or postgres://"));
        };
        if backend == Backend::Postgres {
            url::Url::parse(raw).map_err(|e| bad(&e.to_string()))?;
        }
        AnyConnectOptions::from_str(raw).map_err(|e| bad(&e.to_string()))?;
        Ok(DatabaseUrl { raw: raw.to_string(), backend })
    }

    pub fn sqlite_file(path: PathBuf) -> DatabaseUrl {
        DatabaseUrl { raw: format!("sqlite://{}", path.display()), backend: Backend::Sqlite }
    }

    /// A SQLite file opened as it is, to read only: nothing is written to
    /// it, not even the journal mode (for checking a backup just written).
    pub fn sqlite_file_read_only(path: PathBuf) -> DatabaseUrl {
        DatabaseUrl { raw: format!("sqlite://{}?mode=ro&immutable=true", path.display()), backend: Backend::Sqlite }
    }

    fn read_only(&self) -> bool {
        self.raw.split('?').nth(1).is_some_and(|query| query.split('&').any(|pair| pair == "mode=ro"))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL itself, password included: only for opening connections.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// The URL with any password replaced, fit for logs and messages.
    pub fn redacted(&self) -> String {
        redact(&self.raw)
    }

    /// The file of a SQLite URL; None for PostgreSQL or an in-memory database.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self.raw.strip_prefix("sqlite:")?;
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or(rest);
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }
}

fn redact(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        Ok(url) => url.to_string(),
        Err(_) => raw.rsplit('@').next().unwrap_or("").to_string(),
    }
}

/// The shared pool, and which backend it talks to.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

impl Db {
    pub async fn connect(url: &DatabaseUrl) -> Result<Db, ConnectError> {
        Self::connect_with(url, 10, Duration::from_secs(5)).await
    }

    pub async fn connect_with(
        url: &DatabaseUrl,
        max_connections: u32,
        connect_timeout: Duration,
    ) -> Result<Db, ConnectError> {
        sqlx::any::install_default_drivers();
        let mut raw = url.raw.clone();
        if url.backend == Backend::Sqlite {
            if let Some(path) = url.sqlite_path() {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| ConnectError::DataDir {
                        path: parent.display().to_string(),
                        reason: e.to_string(),
                    })?;
                }
            }
            if !raw.contains("mode=") {
                raw.push_str(if raw.contains('?') { "&mode=rwc" } else { "?mode=rwc" });
            }
        }
        let options = AnyConnectOptions::from_str(&raw).map_err(|e| ConnectError::BadUrl {
            url: url.redacted(),
            reason: e.to_string(),
        })?;
        let mut pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(connect_timeout);
        if url.backend == Backend::Sqlite && !url.read_only() {
            // A SQLite connection is a file handle that cannot go stale:
            // the ping before each checkout was a round trip to its worker
            // thread, a third of the thread wake-ups of a page.
            pool = pool.test_before_acquire(false).after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL lets readers run beside the writer; FULL makes an
                    // acknowledged commit survive a power cut.
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                    )
                    .await?;
                    Ok(())
                })
            });
        }
        if url.backend == Backend::Postgres {
            pool = pool.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // No transaction here waits on anything but the
                    // database. One left open (an instance frozen or cut off
                    // from the network mid-transaction) would hold its row
                    // locks, a customer's wallet among them, for every other
                    // instance until TCP gave up, hours later; PostgreSQL
                    // ends it after a minute instead.
                    conn.execute("SET idle_in_transaction_session_timeout = '60s'").await?;
                    Ok(())
                })
            });
        }
        let pool = pool.connect_with(options).await.map_err(|e| match url.backend {
            Backend::Postgres => ConnectError::Unreachable {
                url: url.redacted(),
                reason: one_line(&e.to_string()),
            },
            Backend::Sqlite => ConnectError::SqliteOpen {
                path: url.sqlite_path().map(|p| p.display().to_string()).unwrap_or_default(),
                reason: one_line(&e.to_string()),
            },
        })?;
        Ok(Db { pool, backend: url.backend })
    }

    pub async fn migrate(&self) -> Result<(), ConnectError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| ConnectError::Migrate(one_line(&e.to_string())))
    }

    /// Cheap round trip for readiness checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }

    /// Begins a transaction that is going to write. On SQLite it takes the
    /// write lock at once (BEGIN IMMEDIATE): a read transaction that later
    /// writes fails with SQLITE_BUSY whatever the busy timeout.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_redacts() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db.example:5432/usnh").unwrap();
        assert_eq!(url.backend(), Backend::Postgres);
        assert!(!url.redacted().contains("s3cret"));
        assert_eq!(DatabaseUrl::parse("sqlite://data/x.db").unwrap().backend(), Backend::Sqlite);
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("postgres://:::::").is_err());
    }

    #[test]
    fn sqlite_path_is_extracted() {
        let url = DatabaseUrl::parse("sqlite://data/x.db?mode=rwc").unwrap();
        assert_eq!(url.sqlite_path(), Some(PathBuf::from("data/x.db")));
    }
}
