//! The command line: `server` (or `server serve`) runs the web server;
//! other subcommands are operator tasks against the same database.
use std::io::BufRead;

use app::domain::{Email, NewPassword, Username};
use app::services::db::Db;
use clap::{Parser, Subcommand};

use crate::{config::Config, secrets, startup, startup::Application, telemetry, StartupError};

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
    /// Manage administrators.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Copy the embedded SQLite database to FILE while the server runs,
    /// then check the copy (SQLite's integrity check and the ledger's).
    Backup {
        /// Where to write the copy; it must not exist yet.
        file: std::path::PathBuf,
    },
    /// Wallet ledger checks.
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Check that every balance equals the sum of its entries and that the
    /// balance-after chain is unbroken; exits non-zero on any mismatch.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a verified admin account. The password is read from the
    /// first line of standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        username: String,
    },
    /// Turn two-step sign-in off for an account whose owner lost both the
    /// phone and the recovery codes (check who they are first). The owner
    /// is told by mail.
    TwoStepOff {
        /// The account's public user ID (UN-…).
        user: String,
    },
}

pub async fn run(cli: Cli) -> Result<(), StartupError> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            telemetry::init(&config.log_format);
            crate::startup::raise_open_file_limit();
            let app = Application::build(config).await?;
            app.run_until_stopped().await
        }
        Command::Migrate => {
            telemetry::init(&config.log_format);
            let db = Db::connect(&config.database()?).await?;
            db.migrate().await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Check => check(&config).await,
        Command::Config => {
            println!("{}", config.describe());
            Ok(())
        }
        Command::Ledger { command: LedgerCommand::Verify } => {
            let db = Db::connect(&config.database()?).await?;
            db.migrate().await?;
            let report = app::services::ledger::verify(&db)
                .await
                .map_err(|e| StartupError::Config(format!("the database does not answer: {e}")))?;
            let outcome = print_mismatches(&report);
            println!(
                "ledger verify: {} wallets, {} entries, {} problems",
                report.wallets,
                report.entries,
                report.problems.len()
            );
            outcome
        }
        Command::Backup { file } => {
            let database = config.database()?;
            let backup = crate::backup::sqlite_backup(&database, &file).await?;
            print_mismatches(&backup.ledger)?;
            let source = database.sqlite_path().map(|p| p.display().to_string()).unwrap_or_default();
            println!(
                "backup written: {} ({} KB); integrity ok; ledger: {} wallets, {} entries, 0 problems",
                file.display(),
                backup.bytes.div_ceil(1024),
                backup.ledger.wallets,
                backup.ledger.entries
            );
            println!("to restore: stop the server, put this file in place of {source} (delete {source}-wal and {source}-shm), start the server");
            println!(
                "the secret key is not in the backup: keep {} (or USNH_SECRET_KEY) as well, or a restore signs everyone out",
                config.data_dir.join(secrets::KEY_FILE).display()
            );
            Ok(())
        }
        Command::Admin { command: AdminCommand::Create { email, username } } => {
            let email = Email::parse(&email).map_err(StartupError::Config)?;
            let username = Username::parse(&username).map_err(StartupError::Config)?;
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| StartupError::Config(format!("cannot read the password from standard input: {e}")))?;
            let password = NewPassword::parse(line.trim_end_matches(['\r', '\n']), Some(username.as_str()), Some(email.as_str()))
                .map_err(StartupError::Config)?;
            secrets::ensure_data_dir(&config.data_dir)?;
            let secrets = secrets::Secrets::load_or_generate(config.secret_key.as_deref(), &config.data_dir)?;
            let services = startup::build_services(&config, &secrets).await?;
            let public_id = app::services::accounts::create_admin(&services, email, username, password)
                .await
                .map_err(|e| StartupError::Config(e.to_string()))?;
            println!("admin created: {public_id}");
            if config.admin_two_step() {
                println!("before the admin console opens, sign in and turn on two-step sign-in on the Account page (required: USNH_ADMIN_TWO_STEP)");
            }
            Ok(())
        }
        Command::Admin { command: AdminCommand::TwoStepOff { user } } => {
            let public_id = app::domain::PublicUserId::parse(&user).map_err(StartupError::Config)?;
            secrets::ensure_data_dir(&config.data_dir)?;
            let secrets = secrets::Secrets::load_or_generate(config.secret_key.as_deref(), &config.data_dir)?;
            let services = startup::build_services(&config, &secrets).await?;
            let meta = app::services::request::RequestMeta { ip: "command line".into(), user_agent: "server admin two-step-off".into() };
            app::services::two_step::turn_off_for_owner(&services, &public_id, &meta)
                .await
                .map_err(|e| StartupError::Config(e.to_string()))?;
            println!("two-step sign-in is off for {public_id}");
            Ok(())
        }
    }
}

/// `server check`: everything the server depends on, outside ones too,
/// one line each; the first failure ends it with what to fix.
async fn check(config: &Config) -> Result<(), StartupError> {
    let database = config.database()?;
    let db = Db::connect_with(&database, 1, std::time::Duration::from_secs(config.db_connect_timeout_secs)).await?;
    db.ping().await.map_err(|e| StartupError::Config(format!("the database does not answer: {e}")))?;
    println!("ok: configuration valid, database {} answers", database.redacted());
    if let Some(url) = &config.smtp_url {
        let mailer = app::services::mailer::Mailer::smtp(url, &config.mail_from()).map_err(StartupError::Config)?;
        mailer.check_connection().await.map_err(|e| StartupError::Config(format!("USNH_SMTP_URL: {e}")))?;
        println!("ok: the SMTP server answers");
    }
    for settings in &config.upstreams {
        let name = settings.name.clone();
        let client = app::services::upstream::client::UpstreamClient::new(settings.clone()).map_err(StartupError::Config)?;
        let cents = client
            .get_balance()
            .await
            .map_err(|e| StartupError::Config(format!("upstream {name}: getBalance failed: {e}")))?;
        println!("ok: upstream {name} answers; balance {}", app::domain::Money::from_cents(cents));
    }
    if let (Some(cert), Some(key)) = (&config.tls_cert_file, &config.tls_key_file) {
        let certificate = crate::tls::Certificate::load(cert, key).await?;
        let Some((at, text)) = certificate.expiry() else {
            return Err(StartupError::Config(format!("cannot read the expiry date of the TLS certificate {}", cert.display())));
        };
        let left = crate::tls::seconds_left(at);
        if left < 0 {
            return Err(StartupError::Config(format!("the TLS certificate {} expired on {text}", cert.display())));
        }
        println!("ok: TLS certificate and key load; the certificate is valid until {text} ({} days)", left / 86_400);
    }
    if let Some(webroot) = &config.acme_webroot {
        if !webroot.is_dir() {
            return Err(StartupError::Config(format!(
                "USNH_ACME_WEBROOT {} is not a directory: create it, and point certbot --webroot -w at it",
                webroot.display()
            )));
        }
        println!("ok: ACME challenge files are served from {}", webroot.display());
    }
    Ok(())
}

/// Prints each problem the ledger check found, one line each; an error
/// (a non-zero exit) when there is any.
fn print_mismatches(report: &app::services::ledger::VerifyReport) -> Result<(), StartupError> {
    for problem in &report.problems {
        println!("MISMATCH {problem}");
    }
    if report.problems.is_empty() {
        Ok(())
    } else {
        Err(StartupError::LedgerMismatch(report.problems.len()))
    }
}
