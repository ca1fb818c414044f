//! Configuration: defaults, then an optional TOML file, then environment
//! variables (`USNH_*`, plus `DATABASE_URL`). Validated once at start.
use std::{net::SocketAddr, path::PathBuf};

use figment::{
    providers::{Env, Format, Serialized, Toml},
    Figment,
};
use serde::{Deserialize, Serialize};

use app::services::db::DatabaseUrl;

use crate::StartupError;

/// A proxy whose X-Forwarded-For is believed: one address (`10.0.0.1`) or
/// a network (`10.0.0.0/8`), for load balancers whose addresses change
/// within one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TrustedProxy(ipnet::IpNet);

impl TrustedProxy {
    pub fn contains(&self, ip: &std::net::IpAddr) -> bool {
        // An IPv4 client of a dual-stack socket shows as ::ffff:a.b.c.d.
        self.0.contains(&ip.to_canonical())
    }
}

impl std::str::FromStr for TrustedProxy {
    type Err = String;

    fn from_str(s: &str) -> Result<TrustedProxy, String> {
        let s = s.trim();
        s.parse::<ipnet::IpNet>()
            .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map(|net| TrustedProxy(net.trunc()))
            .map_err(|_| format!("USNH_TRUSTED_PROXIES: {s:?} is not an IP address (10.0.0.1) or network (10.0.0.0/8)"))
    }
}

impl TryFrom<String> for TrustedProxy {
    type Error = String;

    fn try_from(s: String) -> Result<TrustedProxy, String> {
        s.parse()
    }
}

impl From<TrustedProxy> for String {
    fn from(proxy: TrustedProxy) -> String {
        proxy.0.to_string()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the SQLite file and generated secrets live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; default: a SQLite file in `data_dir`.
    pub database_url: Option<String>,
    /// Address to listen on.
    pub listen: String,
    /// `pretty` or `json`.
    pub log_format: String,
    /// Hex secret for signing tokens; generated into `data_dir` when unset.
    /// Several instances on one PostgreSQL must share it.
    pub secret_key: Option<String>,
    pub db_max_connections: u32,
    pub db_connect_timeout_secs: u64,
    // What the pages promise: keep in line with what the system does.
    pub brand_name: String,
    pub whatsapp_number: String,
    pub support_email: String,
    pub default_lease_minutes: u32,
    pub sms_retention_hours: u32,
    pub security_log_retention_days: u32,
    pub ledger_retention_years: u32,
    /// Demo number supply (fictional 555-01xx numbers, charged like real
    /// ones). Unset: on for a local server, off once serving HTTPS, so a
    /// deployment never sells fictional numbers by omission; see `demo()`.
    pub demo_mode: Option<bool>,
    /// Seconds before a demo lease receives its sample code.
    pub demo_code_delay_secs: u64,
    /// Open leases one customer may hold at once.
    pub max_open_leases: u32,
    /// The address customers and gateways reach us at, e.g.
    /// https://usnumhub.example (Twilio signs the full URL).
    pub public_url: Option<String>,
    /// Secret of the generic signed SMS webhook; unset: that route is off.
    pub sms_webhook_secret: Option<String>,
    /// Signing key of the SMS Gateway for Android webhook; unset: off.
    pub android_gateway_secret: Option<String>,
    /// Twilio auth token; unset: the Twilio webhook is off.
    pub twilio_auth_token: Option<String>,
    /// SMS-Activate-compatible suppliers (DaisySMS…), in order of
    /// preference, asked when the operator's pool has no number.
    pub upstreams: Vec<app::services::upstream::client::UpstreamSettings>,
    /// Requests per second the upstream poller may make, all upstreams together.
    pub upstream_poll_budget_per_sec: u32,
    /// Bearer token for `GET /metrics` (Prometheus); unset: no metrics.
    pub metrics_token: Option<String>,
    /// Reseller API requests per second per key (bursts of three times).
    pub api_requests_per_second: u32,
    /// Event streams (`/events`) one account may hold open at once: tabs
    /// and devices; beyond it, 429. Each stream is woken by every lease
    /// change, so an unbounded number would be a way to load the server.
    pub event_streams_per_user: u32,
    /// Seconds a client has to send a request's headers, and again its
    /// body; a kept-alive connection idle this long closes.
    pub client_timeout_secs: u64,
    /// Connections one client address (an IPv6 /64) may hold open at once;
    /// trusted proxies are not limited.
    pub max_connections_per_address: usize,
    /// Let API code callbacks go to loopback and private addresses.
    pub api_allow_private_callbacks: bool,
    /// Days after which a number that got a code for a platform may be
    /// leased for it again; unset: never.
    pub number_reuse_after_code_days: Option<u32>,
    /// `smtp://host:25`, `smtp://user:pass@host:587?tls=required` or
    /// `smtps://user:pass@host:465`; unset: the development outbox.
    pub smtp_url: Option<String>,
    /// Sender of mails; unset: `mail_from()` makes one from the brand and
    /// the public address.
    pub mail_from: Option<String>,
    /// Mark cookies Secure (with the `__Host-` prefix): set when users reach
    /// the site over HTTPS through a proxy (an https `public_url` implies it).
    pub secure_cookies: bool,
    /// Admins reach the admin console only with two-step sign-in on (their
    /// accounts top up wallets). Unset: required once serving HTTPS, as
    /// `demo_mode` follows it; see `admin_two_step()`.
    pub admin_two_step: Option<bool>,
    /// How many password hashes may run at once (each holds 19 MiB).
    pub password_hash_concurrency: usize,
    /// Reverse proxies whose X-Forwarded-For is believed (addresses or
    /// networks); otherwise the client IP is the socket's peer.
    pub trusted_proxies: Vec<TrustedProxy>,
    /// Serve HTTPS directly from these PEM files (both or neither); cookies
    /// then become Secure and HSTS is sent.
    pub tls_cert_file: Option<PathBuf>,
    pub tls_key_file: Option<PathBuf>,
    /// With HTTPS served here: also listen on this address (`0.0.0.0:80`)
    /// in plain HTTP, sending every request to its HTTPS address.
    pub http_redirect_listen: Option<String>,
    /// Serve `/.well-known/acme-challenge/` from this directory on that
    /// listener, for `certbot certonly --webroot -w <dir>` renewals.
    pub acme_webroot: Option<PathBuf>,
    /// Automatic backups of the embedded SQLite database, checked like
    /// `server backup`: every this many minutes (0: off).
    pub backup_every_minutes: u32,
    /// Where they go; default: `backups` in `data_dir`.
    pub backup_dir: Option<PathBuf>,
    /// How many to keep, the newest.
    pub backup_keep: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("data"),
            database_url: None,
            listen: "127.0.0.1:3000".into(),
            log_format: "pretty".into(),
            secret_key: None,
            db_max_connections: 10,
            db_connect_timeout_secs: 5,
            brand_name: "US Num Hub".into(),
            whatsapp_number: "15550100100".into(),
            support_email: "support@usnumhub.example".into(),
            default_lease_minutes: 20,
            sms_retention_hours: 24,
            security_log_retention_days: 90,
            ledger_retention_years: 7,
            demo_mode: None,
            demo_code_delay_secs: 8,
            max_open_leases: 1,
            public_url: None,
            sms_webhook_secret: None,
            android_gateway_secret: None,
            twilio_auth_token: None,
            upstreams: Vec::new(),
            upstream_poll_budget_per_sec: 20,
            metrics_token: None,
            api_requests_per_second: 10,
            event_streams_per_user: 20,
            client_timeout_secs: 20,
            max_connections_per_address: 256,
            api_allow_private_callbacks: false,
            number_reuse_after_code_days: None,
            smtp_url: None,
            mail_from: None,
            secure_cookies: false,
            admin_two_step: None,
            // Leave a core for other requests while sign-ins hash.
            password_hash_concurrency: std::thread::available_parallelism()
                .map(|n| n.get().saturating_sub(1).max(1))
                .unwrap_or(1),
            trusted_proxies: Vec::new(),
            tls_cert_file: None,
            http_redirect_listen: None,
            acme_webroot: None,
            tls_key_file: None,
            backup_every_minutes: 24 * 60,
            backup_dir: None,
            backup_keep: 7,
        }
    }
}

impl Config {
    /// Loads and validates the configuration.
    pub fn load(file: Option<&std::path::Path>) -> Result<Config, StartupError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(StartupError::Config(format!(
                    "configuration file {} does not exist",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file(path));
        }
        let figment = figment
            // cargo-leptos tells the server where to listen through this.
            .merge(Env::raw().only(&["LEPTOS_SITE_ADDR"]).map(|_| "listen".into()))
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("USNH_").ignore(&["CONFIG"]));
        let config: Config = figment
            .extract()
            .map_err(|e| StartupError::Config(describe_figment_error(e)))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), StartupError> {
        let bad = |msg: String| Err(StartupError::Config(msg));
        if self.data_dir.as_os_str().is_empty() {
            return bad("USNH_DATA_DIR must not be empty".into());
        }
        self.listen_addr()?;
        if !(8..=15).contains(&self.whatsapp_number.len())
            || !self.whatsapp_number.bytes().all(|b| b.is_ascii_digit())
        {
            return bad(format!(
                "USNH_WHATSAPP_NUMBER={:?} must be 8 to 15 digits in international format, without '+' (for example 15550100100)",
                self.whatsapp_number
            ));
        }
        if !self.support_email.contains('@') {
            return bad(format!("USNH_SUPPORT_EMAIL={:?} is not an email address", self.support_email));
        }
        if self.brand_name.trim().is_empty() || self.brand_name.chars().any(char::is_control) {
            // It names the sender and heads every mail and page.
            return bad("USNH_BRAND_NAME must be one line of text".into());
        }
        if !(1..=1440).contains(&self.default_lease_minutes) {
            return bad("USNH_DEFAULT_LEASE_MINUTES must be between 1 and 1440".into());
        }
        if !matches!(self.log_format.as_str(), "pretty" | "json") {
            return bad("USNH_LOG_FORMAT must be 'pretty' or 'json'".into());
        }
        if self.db_max_connections == 0 {
            return bad("USNH_DB_MAX_CONNECTIONS must be at least 1".into());
        }
        if let Some(url) = &self.smtp_url {
            app::services::mailer::Mailer::smtp(url, &self.mail_from()).map_err(StartupError::Config)?;
        } else if self.https() {
            // Served to users, codes must leave by mail, not wait in the
            // development outbox.
            return bad("USNH_SMTP_URL is required when serving users over HTTPS (USNH_TLS_CERT_FILE, USNH_SECURE_COOKIES or an https USNH_PUBLIC_URL): without it, verification and reset codes never leave the server".into());
        }
        if let Some(url) = &self.public_url {
            let host = crate::http_url::scheme_and_host(url).map(|(_, host)| host);
            if host.is_none_or(str::is_empty) || url.contains(['?', '#', ' ']) {
                return bad(format!("USNH_PUBLIC_URL={url:?} must be the site's address, like https://usnumhub.example"));
            }
        }
        for upstream in &self.upstreams {
            upstream.validate().map_err(|e| StartupError::Config(format!("USNH_UPSTREAMS: {e}")))?;
        }
        if self.tls_cert_file.is_some() != self.tls_key_file.is_some() {
            return bad("set both USNH_TLS_CERT_FILE and USNH_TLS_KEY_FILE, or neither".into());
        }
        if self.http_redirect_listen.is_some() && self.tls_cert_file.is_none() {
            return bad("USNH_HTTP_REDIRECT_LISTEN sends visitors to HTTPS served here: set USNH_TLS_CERT_FILE and USNH_TLS_KEY_FILE too".into());
        }
        self.http_redirect_addr()?;
        if self.acme_webroot.is_some() && self.http_redirect_listen.is_none() {
            return bad("USNH_ACME_WEBROOT is served on the plain-HTTP listener: set USNH_HTTP_REDIRECT_LISTEN too".into());
        }
        if !(1..=20).contains(&self.max_open_leases) {
            return bad("USNH_MAX_OPEN_LEASES must be between 1 and 20".into());
        }
        if !(1..=600).contains(&self.client_timeout_secs) {
            return bad("USNH_CLIENT_TIMEOUT_SECS must be between 1 and 600".into());
        }
        if self.max_connections_per_address == 0 {
            return bad("USNH_MAX_CONNECTIONS_PER_ADDRESS must be at least 1".into());
        }
        if self.event_streams_per_user == 0 {
            return bad("USNH_EVENT_STREAMS_PER_USER must be at least 1".into());
        }
        if self.password_hash_concurrency == 0 {
            return bad("USNH_PASSWORD_HASH_CONCURRENCY must be at least 1".into());
        }
        if let Some(key) = &self.secret_key {
            if key.len() < 64 || hex::decode(key).is_err() {
                return bad("USNH_SECRET_KEY must be at least 64 hex characters (32 bytes)".into());
            }
        }
        if self.backup_keep == 0 {
            return bad("USNH_BACKUP_KEEP must be at least 1 (set USNH_BACKUP_EVERY_MINUTES=0 to turn backups off)".into());
        }
        self.database()?;
        Ok(())
    }

    /// Automatic backups, when they are on and the database is SQLite.
    pub fn backup_schedule(&self) -> Option<crate::backup::Schedule> {
        let database = self.database().ok().filter(|db| db.backend() == app::services::db::Backend::Sqlite)?;
        (self.backup_every_minutes > 0).then(|| crate::backup::Schedule {
            database,
            dir: self.backup_dir.clone().unwrap_or_else(|| self.data_dir.join("backups")),
            every: std::time::Duration::from_secs(u64::from(self.backup_every_minutes) * 60),
            keep: self.backup_keep as usize,
        })
    }

    /// Whether the demo number supply is on.
    pub fn demo(&self) -> bool {
        self.demo_mode.unwrap_or(!self.https())
    }

    /// Admins need two-step sign-in for the admin console.
    pub fn admin_two_step(&self) -> bool {
        self.admin_two_step.unwrap_or(self.https())
    }

    /// The sender mails carry: `mail_from`, or the brand at no-reply@ the
    /// public address's domain.
    pub fn mail_from(&self) -> String {
        if let Some(from) = &self.mail_from {
            return from.clone();
        }
        let site = self.public_url.as_deref().and_then(|url| url::Url::parse(url).ok());
        app::services::mailer::default_sender(&self.brand_name, site.as_ref().and_then(url::Url::domain))
    }

    /// Users reach us over HTTPS: served here, or behind a proxy (declared
    /// with USNH_SECURE_COOKIES, or implied by an https public address).
    pub fn https(&self) -> bool {
        self.secure_cookies
            || self.tls_cert_file.is_some()
            || self.public_url.as_deref().is_some_and(crate::http_url::is_https)
    }

    pub fn listen_addr(&self) -> Result<SocketAddr, StartupError> {
        self.listen.parse().map_err(|_| {
            StartupError::Config(format!(
                "USNH_LISTEN={:?} is not an address like 127.0.0.1:3000",
                self.listen
            ))
        })
    }

    /// Where to listen for plain HTTP to redirect, when asked to.
    pub fn http_redirect_addr(&self) -> Result<Option<SocketAddr>, StartupError> {
        let Some(listen) = &self.http_redirect_listen else { return Ok(None) };
        listen.parse().map(Some).map_err(|_| {
            StartupError::Config(format!("USNH_HTTP_REDIRECT_LISTEN={listen:?} is not an address like 0.0.0.0:80"))
        })
    }

    /// The database to use: `DATABASE_URL`, or the embedded SQLite file.
    pub fn database(&self) -> Result<DatabaseUrl, StartupError> {
        match &self.database_url {
            Some(url) => DatabaseUrl::parse(url),
            None => Ok(DatabaseUrl::sqlite_file(self.data_dir.join("usnumhub.db"))),
        }
        .map_err(StartupError::from)
    }

    /// `USNH_PUBLIC_URL` without a trailing slash, as pages and mails
    /// append paths to it.
    pub fn site_address(&self) -> Option<&str> {
        self.public_url.as_deref().map(|url| url.trim_end_matches('/'))
    }

    pub fn site_info(&self) -> app::site_info::SiteInfo {
        app::site_info::SiteInfo {
            brand_name: self.brand_name.clone(),
            whatsapp_number: self.whatsapp_number.clone(),
            support_email: self.support_email.clone(),
            default_lease_minutes: self.default_lease_minutes,
            number_reuse_after_code_days: self.number_reuse_after_code_days,
            sms_retention_hours: self.sms_retention_hours,
            security_log_retention_days: self.security_log_retention_days,
            ledger_retention_years: self.ledger_retention_years,
            demo_mode: self.demo(),
            admin_two_step: self.admin_two_step(),
            public_url: self.site_address().map(str::to_string),
        }
    }

    /// The effective configuration as JSON, secrets hidden.
    pub fn describe(&self) -> String {
        let mut shown = self.clone();
        shown.demo_mode = Some(self.demo());
        shown.admin_two_step = Some(self.admin_two_step());
        if shown.secret_key.is_some() {
            shown.secret_key = Some("<hidden>".into());
        }
        if let Ok(db) = self.database() {
            shown.database_url = Some(db.redacted());
        }
        for secret in [&mut shown.smtp_url, &mut shown.sms_webhook_secret, &mut shown.android_gateway_secret, &mut shown.twilio_auth_token, &mut shown.metrics_token] {
            if secret.is_some() {
                *secret = Some("<hidden>".into());
            }
        }
        for upstream in &mut shown.upstreams {
            upstream.api_key.0 = "<hidden>".into();
        }
        serde_json::to_string_pretty(&shown).unwrap_or_default()
    }
}

/// Names the setting the way the operator wrote it (USNH_X or a file key).
fn describe_figment_error(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let from_env = e.metadata.as_ref().is_some_and(|m| m.name.contains("environment"));
            let setting = match (from_env, key.as_str()) {
                (_, "") => "configuration".to_string(),
                (true, "database_url") => "DATABASE_URL".to_string(),
                (true, _) => format!("USNH_{}", key.to_uppercase()),
                (false, _) => key,
            };
            one_line(&format!("{setting}: {}", e.kind))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        Config::default().validate().expect("defaults validate");
    }

    #[test]
    fn the_sender_follows_the_brand_and_the_site_unless_named() {
        assert_eq!(Config::default().mail_from(), "US Num Hub <no-reply@usnumhub.example>");
        let site = Config {
            brand_name: "Acme, Numbers".into(),
            public_url: Some("https://OTP.Acme.example:8443/".into()),
            ..Config::default()
        };
        assert_eq!(site.mail_from(), "\"Acme, Numbers\" <no-reply@otp.acme.example>");
        // An address that is no domain name keeps the placeholder.
        let ip = Config { public_url: Some("http://10.0.0.5:3000".into()), ..Config::default() };
        assert!(ip.mail_from().ends_with("<no-reply@usnumhub.example>"), "{}", ip.mail_from());
        // A name no header can carry leaves the bare address, not a panic.
        assert_eq!(app::services::mailer::default_sender("A\nB", None), "no-reply@usnumhub.example");
        let named = Config { mail_from: Some("Ops <ops@acme.example>".into()), ..site };
        assert_eq!(named.mail_from(), "Ops <ops@acme.example>");
        for config in [Config::default(), named] {
            app::services::mailer::Mailer::smtp("smtp://127.0.0.1:2525", &config.mail_from()).expect("a mailbox");
        }
    }

    #[test]
    fn bad_values_are_named() {
        let config = Config { whatsapp_number: "+1 555".into(), ..Config::default() };
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("USNH_WHATSAPP_NUMBER"), "{err}");
        for brand in ["", "  ", "Acme\r\nBcc: x@example.com"] {
            let config = Config { brand_name: brand.into(), ..Config::default() };
            assert!(config.validate().unwrap_err().to_string().contains("USNH_BRAND_NAME"), "{brand:?}");
        }
        let config = Config { listen: "nowhere".into(), ..Config::default() };
        assert!(config.validate().unwrap_err().to_string().contains("USNH_LISTEN"));
        // Served over HTTPS, codes must be mailed.
        let config = Config { secure_cookies: true, ..Config::default() };
        assert!(config.validate().unwrap_err().to_string().contains("USNH_SMTP_URL is required"));
        let config = Config { secure_cookies: true, smtp_url: Some("smtp://127.0.0.1:25".into()), ..Config::default() };
        assert!(config.validate().is_ok());
        // Demo numbers are the local default only, unless asked for.
        assert!(Config::default().demo());
        assert!(!config.demo(), "served over HTTPS, no fictional numbers by default");
        assert!(Config { demo_mode: Some(true), ..config.clone() }.demo());
        // Admins need two-step sign-in where users arrive over HTTPS,
        // unless the operator says otherwise.
        assert!(!Config::default().admin_two_step() && config.admin_two_step());
        assert!(!Config { admin_two_step: Some(false), ..config }.admin_two_step());
        assert!(Config { admin_two_step: Some(true), ..Config::default() }.admin_two_step());
        // An https public address means a TLS proxy in front, even when
        // USNH_SECURE_COOKIES was forgotten: Secure cookies, no demo numbers.
        let proxied = Config { public_url: Some("HTTPS://usnumhub.example".into()), ..Config::default() };
        assert!(proxied.https() && !proxied.demo());
        assert!(proxied.validate().unwrap_err().to_string().contains("USNH_SMTP_URL is required"));
        assert!(!Config { public_url: Some("http://10.0.0.5:3000".into()), ..Config::default() }.https());
        let unreachable = Config { public_url: Some("usnumhub.example".into()), ..Config::default() };
        assert!(unreachable.validate().unwrap_err().to_string().contains("USNH_PUBLIC_URL"));
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("usnh.toml");
        std::fs::write(&file, "trusted_proxies = [\"10.0.0.0/8\", \"192.0.2.7\", \"2001:db8::/32\"]\n").expect("written");
        let proxies = Config::load(Some(&file)).expect("loads").trusted_proxies;
        let trusted = |ip: &str| proxies.iter().any(|p| p.contains(&ip.parse().unwrap()));
        assert!(trusted("10.20.30.40") && trusted("192.0.2.7") && trusted("2001:db8::1"));
        assert!(trusted("::ffff:10.1.2.3"), "an IPv4 peer of a dual-stack socket");
        assert!(!trusted("192.0.2.8") && !trusted("11.0.0.1"));
        std::fs::write(&file, "trusted_proxies = [\"10.0.0.0/33\"]\n").expect("written");
        let err = Config::load(Some(&file)).unwrap_err().to_string();
        assert!(err.contains("USNH_TRUSTED_PROXIES") && err.contains("10.0.0.0/33"), "{err}");
    }

    #[test]
    fn demo_mode_reads_from_a_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("usnh.toml");
        std::fs::write(&file, "demo_mode = false\n").expect("config written");
        assert!(!Config::load(Some(&file)).expect("loads").demo());
        std::fs::write(&file, "secure_cookies = true\nsmtp_url = \"smtp://127.0.0.1:25\"\ndemo_mode = true\n").expect("config written");
        assert!(Config::load(Some(&file)).expect("loads").demo(), "asked for explicitly");
    }

    #[test]
    fn upstreams_load_from_a_file_and_their_keys_stay_hidden() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("usnh.toml");
        std::fs::write(
            &file,
            "[[upstreams]]\nname = \"daisy\"\nbase_url = \"https://daisysms.example/stubs/handler_api.php\"\napi_key = \"sekrit-key\"\nservices = { whatsapp = \"wa\" }\n",
        )
        .expect("config written");
        let config = Config::load(Some(&file)).expect("loads");
        assert_eq!(config.upstreams.len(), 1);
        assert_eq!(config.upstreams[0].country, "187", "defaults fill the rest");
        assert_eq!(config.upstreams[0].service_code("whatsapp").as_deref(), Some("wa"));
        assert_eq!(config.upstreams[0].service_code("telegram").as_deref(), Some("tg"));
        assert!(!config.describe().contains("sekrit-key"));
        assert!(!format!("{config:?}").contains("sekrit-key"));
        std::fs::write(&file, "[[upstreams]]\nname = \"x\"\nbase_url = \"ftp://nope\"\napi_key = \"k\"\n").expect("written");
        assert!(Config::load(Some(&file)).unwrap_err().to_string().contains("USNH_UPSTREAMS"));
    }
}
