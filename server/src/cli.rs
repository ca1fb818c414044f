//! The command line: `server` (or `server serve`) runs the web server;
//! other subcommands are operator tasks against the same database.
use clap::{Parser, Subcommand};

use crate::{config::Config, db, startup::Application, telemetry, StartupError};

#[derive(Debug, Parser)]
#[command(name = "server", version, about = "US Num Hub server")]
pub struct Cli {
    /// A TOML configuration file; environment variables override it.
    #[arg(long, global = true, env = "USNH_CONFIG")]
    pub config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the effective configuration (secrets hidden) and exit.
    Config,
    /// Check the configuration and that the database answers, then exit.
    Check,
}

pub async fn run(cli: Cli) -> Result<(), StartupError> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            telemetry::init(&config.log_format);
            let app = Application::build(config).await?;
            app.run_until_stopped().await
        }
        Command::Migrate => {
            telemetry::init(&config.log_format);
            let db = db::Db::connect(&config.database()?).await?;
            db.migrate().await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Check => {
            let database = config.database()?;
            let db = db::Db::connect_with(
                &database,
                1,
                std::time::Duration::from_secs(config.db_connect_timeout_secs),
            )
            .await?;
            db.ping().await.map_err(|e| StartupError::DatabaseUnreachable {
                url: database.redacted(),
                reason: e.to_string(),
            })?;
            println!("ok: configuration valid, database {} answers", database.redacted());
            Ok(())
        }
        Command::Config => {
            println!("{}", config.describe());
            Ok(())
        }
    }
}
