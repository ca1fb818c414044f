//! Builds the application from configuration and runs it.
use std::{net::SocketAddr, sync::{Arc, LazyLock}, time::Duration};

use app::{shell, site_info::SiteInfo, App};
use axum::{extract::FromRef, routing::get, Router};
use leptos::prelude::{provide_context, LeptosOptions};
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use axum::http::{header, HeaderValue};
use tower_http::{
    set_header::SetResponseHeaderLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

use app::services::{
    clock::SystemClock, db::Db, mailer::Mailer, passwords::PasswordHasher,
    rate_limit::{RateLimitSettings, RateLimiter},
    AuthSettings, LeaseSettings, Services,
};

use crate::{config::Config, routes, secrets};

/// Why the server could not start. Each message says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Database(#[from] app::services::db::ConnectError),
    #[error("the data directory {path} is not writable ({reason}); set USNH_DATA_DIR to a writable directory")]
    DataDir { path: String, reason: String },
    #[error("cannot listen on {addr}: the port is already in use; stop the other program or set USNH_LISTEN to another address")]
    PortInUse { addr: String },
    #[error("cannot listen on {addr} ({reason}); set USNH_LISTEN to an address of this machine")]
    Listen { addr: String, reason: String },
    #[error("the server stopped with an error: {0}")]
    Serve(String),
    #[error("the ledger does not add up: {0} problems (listed above)")]
    LedgerMismatch(usize),
}

/// What handlers and server functions share. Cloned for every request
/// by each middleware that holds it, so one reference count, not a copy
/// of every setting.
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

pub struct SharedState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub site_info: Arc<SiteInfo>,
    pub config: Arc<Config>,
    pub services: Arc<Services>,
    pub metrics: Arc<crate::metrics::Metrics>,
    pub page_cache: Arc<routes::page_cache::PageCache>,
    pub event_streams: routes::live::StreamsPerUser,
    /// Cancelled when the server starts to stop: open event streams end
    /// then, instead of holding the stop until their tabs close.
    pub stopping: tokio_util::sync::CancellationToken,
}

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> LeptosOptions {
        state.leptos_options.clone()
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Db {
        state.db.clone()
    }
}

pub struct Application {
    listener: TcpListener,
    /// Plain HTTP that redirects to HTTPS (`USNH_HTTP_REDIRECT_LISTEN`).
    redirect_listener: Option<TcpListener>,
    tls: Option<crate::tls::Certificate>,
    router: Router,
    addr: SocketAddr,
    state: AppState,
}

impl Application {
    pub async fn build(config: Config) -> Result<Application, StartupError> {
        Self::build_customised(config, |_| {}).await
    }

    /// Builds, letting the caller adjust the services first (tests inject
    /// a clock, cheaper hashing or shorter lifetimes).
    pub async fn build_customised(
        config: Config,
        customise: impl FnOnce(&mut Services),
    ) -> Result<Application, StartupError> {
        secrets::ensure_data_dir(&config.data_dir)?;
        let secrets = secrets::Secrets::load_or_generate(config.secret_key.as_deref(), &config.data_dir)?;
        let mut services = build_services(&config, &secrets).await?;
        customise(&mut services);
        if config.demo() {
            app::services::numbers::seed_demo_numbers(&services.db, services.now())
                .await
                .map_err(|e| StartupError::Config(format!("cannot prepare the demo numbers: {e}")))?;
        }

        let addr = config.listen_addr()?;
        let listener = TcpListener::bind(addr).await.map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => StartupError::PortInUse { addr: addr.to_string() },
            _ => StartupError::Listen { addr: addr.to_string(), reason: e.to_string() },
        })?;
        let addr = listener.local_addr().map_err(|e| StartupError::Listen {
            addr: addr.to_string(),
            reason: e.to_string(),
        })?;

        let redirect_listener = match config.http_redirect_addr()? {
            Some(redirect) => Some(TcpListener::bind(redirect).await.map_err(|e| {
                StartupError::Config(format!("USNH_HTTP_REDIRECT_LISTEN: cannot listen on {redirect} ({e})"))
            })?),
            None => None,
        };
        let tls = match (&config.tls_cert_file, &config.tls_key_file) {
            (Some(cert), Some(key)) => Some(crate::tls::Certificate::load(cert, key).await?),
            _ => None,
        };
        let event_streams = routes::live::StreamsPerUser::new(config.event_streams_per_user);
        let state = AppState(Arc::new(SharedState {
            leptos_options: leptos_options(addr),
            db: services.db.clone(),
            site_info: Arc::new(config.site_info()),
            config: Arc::new(config),
            services: Arc::new(services),
            metrics: Arc::new(crate::metrics::Metrics::default()),
            page_cache: Arc::new(routes::page_cache::PageCache::default()),
            event_streams,
            stopping: tokio_util::sync::CancellationToken::new(),
        }));
        let router = router(state.clone());
        Ok(Application { listener, redirect_listener, tls, router, addr, state })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM or Ctrl-C, then lets open requests finish.
    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        self.run_until(shutdown_signal()).await
    }

    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartupError> {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        tracing::info!("listening on {scheme}://{}", self.addr);
        if !self.addr.ip().is_loopback() && !self.state.config.https() {
            // Reachable from elsewhere with cookies that travel in clear
            // text, demo numbers and a development setup: a deployment
            // sits behind HTTPS.
            tracing::warn!(
                "listening on a public address over plain HTTP: serve HTTPS (USNH_TLS_CERT_FILE), or put a TLS proxy in front and set USNH_SECURE_COOKIES=true"
            );
        }
        let metrics = self.state.metrics.clone();
        let mut workers = vec![crate::workers::spawn_lease_clock(
            self.state.services.clone(),
            self.state.config.demo().then(|| Duration::from_secs(self.state.config.demo_code_delay_secs)),
            metrics.clone(),
        )];
        if let Ok(database) = self.state.config.database() {
            if database.backend() == app::services::db::Backend::Postgres {
                workers.push(crate::workers::spawn_account_notifications(database, self.state.services.events.clone()));
            }
        }
        workers.extend(crate::workers::spawn_upstream_tasks(self.state.services.clone(), Duration::from_secs(300), metrics.clone()));
        let callback_http = app::services::callbacks::http_client(self.state.services.api.allow_private_callbacks)
            .map_err(|e| StartupError::Config(format!("cannot build the HTTP client for API callbacks: {e}")))?;
        workers.push(crate::workers::spawn_api_callbacks(self.state.services.clone(), callback_http, metrics.clone()));
        workers.push(crate::workers::spawn_announcement_refresh(self.state.services.clone(), metrics.clone()));
        workers.push(crate::workers::spawn_stock_alerts(self.state.services.clone(), metrics.clone()));
        workers.push(crate::workers::spawn_balance_alerts(self.state.services.clone(), metrics.clone()));
        if !self.state.services.mailer.is_dev_outbox() {
            workers.push(crate::workers::spawn_mail_delivery(self.state.services.clone(), metrics.clone()));
        }
        if let Some(schedule) = self.state.config.backup_schedule() {
            workers.push(crate::workers::spawn_backups(schedule, metrics.clone()));
        }
        workers.push(crate::workers::spawn_housekeeping(
            self.state.services.clone(),
            crate::workers::Retention {
                security_log_days: self.state.config.security_log_retention_days,
                sms_hours: self.state.config.sms_retention_hours,
            },
            Duration::from_secs(600),
            metrics,
        ));
        if let Some(certificate) = &self.tls {
            workers.push(crate::tls::spawn_reload(certificate.clone(), self.state.metrics.clone()));
        }
        let services = self.state.services.clone();
        let config = self.state.config.clone();
        let client_timeout = Duration::from_secs(config.client_timeout_secs);
        // Listening on loopback only, every client comes through something
        // local (a proxy) that carries many users: no per-address cap.
        let per_address = if self.addr.ip().is_loopback() { usize::MAX } else { config.max_connections_per_address };
        let accept = crate::connection_limit::LimitAcceptor::new(crate::connection_limit::PerAddress::new(
            per_address,
            config.trusted_proxies.clone(),
            self.state.metrics.clone(),
        ));
        let handle = axum_server::Handle::new();
        let redirect_handle = axum_server::Handle::new();
        if let Some(listener) = self.redirect_listener {
            let redirect = routes::http_redirect::router(config.public_url.as_deref(), self.addr.port(), config.acme_webroot.clone());
            if let Ok(address) = listener.local_addr() {
                tracing::info!("redirecting http://{address} to HTTPS");
            }
            if let Some(webroot) = config.acme_webroot.as_ref().filter(|dir| !dir.is_dir()) {
                // certbot creates it on its first run; a wrong path would
                // only show when a renewal fails, weeks later.
                tracing::warn!(webroot = %webroot.display(), "USNH_ACME_WEBROOT is not a directory (yet): certbot --webroot must write there");
            }
            let server = timed_server(listener, redirect_handle.clone(), client_timeout)?.acceptor(accept.clone());
            workers.push(tokio::spawn(async move {
                if let Err(e) = server.serve(redirect.into_make_service()).await {
                    tracing::error!(error = %e, "the plain-HTTP redirect stopped");
                }
            }));
        }
        // Background tasks end with the server (a restart starts afresh).
        let _workers = StopOnDrop(workers);
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn({
            let handle = handle.clone();
            let stopping = self.state.stopping.clone();
            async move {
                stop.await;
                stopping.cancel();
                redirect_handle.graceful_shutdown(Some(Duration::from_secs(1)));
                // Open requests finish; event streams and stalled clients
                // are cut after this.
                handle.graceful_shutdown(Some(Duration::from_secs(30)));
            }
        });
        let server = timed_server(self.listener, handle, client_timeout)?;
        let served = match self.tls {
            Some(certificate) => {
                let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(certificate.rustls()).acceptor(accept);
                server.acceptor(acceptor).serve(service).await
            }
            None => server.acceptor(accept).serve(service).await,
        };
        served.map_err(|e| StartupError::Serve(e.to_string()))?;
        finish_outside_effects(&services).await;
        tracing::info!("server stopped");
        Ok(())
    }
}

/// A server on `listener`, stopped through `handle`. A client must send
/// each request's headers in time, and a kept-alive connection waiting
/// for its next request closes after as long: otherwise a few thousand
/// connections trickling bytes (slowloris) hold every file descriptor the
/// process may open. HTTP/2 has no header timer: the server pings
/// instead, and a peer that stops answering (gone without a FIN, as
/// phones and NATs go) is dropped rather than holding its connection.
fn timed_server(
    listener: TcpListener,
    handle: axum_server::Handle<SocketAddr>,
    client_timeout: Duration,
) -> Result<axum_server::Server<SocketAddr>, StartupError> {
    let listener = listener.into_std().map_err(|e| StartupError::Serve(e.to_string()))?;
    let mut server = axum_server::from_tcp(listener)
        .map_err(|e| StartupError::Serve(e.to_string()))?
        .handle(handle)
        .first_request_timeout(client_timeout);
    server.http_builder().http1().header_read_timeout(client_timeout);
    server.http_builder().http2().keep_alive_interval(client_timeout).keep_alive_timeout(client_timeout);
    Ok(server)
}

/// Each connection and event stream holds a file, and the usual soft limit
/// (1,024 on Debian) is a tenth of the idle streams one server should hold:
/// past it, new connections wait unanswered. A process may raise its soft
/// limit to its hard limit, as servers do; a lower hard limit is logged.
pub fn raise_open_file_limit() {
    const WANTED: u64 = 65_536;
    let before = rlimit::Resource::NOFILE.get().map(|(soft, _)| soft);
    match rlimit::increase_nofile_limit(WANTED) {
        Ok(now) if now < 10_000 => {
            tracing::warn!(open_files = now, "the open-file limit is low: raise the hard limit (LimitNOFILE in systemd) to hold 10,000 connections")
        }
        Ok(now) if before.as_ref().is_ok_and(|b| *b < now) => tracing::info!(open_files = now, "raised the open-file limit"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "cannot read or raise the open-file limit"),
    }
}

/// Lets a supplier's sale or cancel that outlived its request finish
/// (recorded, refunded) before the process ends; a supplier's timeout
/// bounds each.
async fn finish_outside_effects(services: &Services) {
    let tasks = &services.outside_effects;
    tasks.close();
    if !tasks.is_empty() {
        tracing::info!(count = tasks.len(), "waiting for purchases and cancels with a supplier to finish");
    }
    if tokio::time::timeout(Duration::from_secs(60), tasks.wait()).await.is_err() {
        tracing::warn!(count = tasks.len(), "stopped with purchases or cancels still waiting on a supplier");
    }
}

/// Aborts the background tasks when the server stops serving.
struct StopOnDrop(Vec<tokio::task::JoinHandle<()>>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// Opens the database (migrated) and sets up mail, hashing and keys.
pub async fn build_services(config: &Config, secrets: &secrets::Secrets) -> Result<Services, StartupError> {
    let database = config.database()?;
    let db = Db::connect_with(
        &database,
        config.db_max_connections,
        Duration::from_secs(config.db_connect_timeout_secs),
    )
    .await?;
    db.migrate().await?;
    tracing::info!(database = %database.redacted(), "database ready");
    let mailer = match &config.smtp_url {
        Some(url) => Mailer::smtp(url, &config.mail_from()).map_err(StartupError::Config)?,
        None => {
            tracing::info!("no SMTP configured: mail goes to the development outbox at /dev/outbox");
            Mailer::DevOutbox
        }
    };
    let events = app::services::events::AccountEvents::new(db.backend == app::services::db::Backend::Postgres);
    let upstreams = app::services::upstream::Upstreams::new(config.upstreams.clone(), config.upstream_poll_budget_per_sec).map_err(StartupError::Config)?;
    Ok(Services {
        upstreams: Arc::new(upstreams),
        api: Arc::new(app::services::api_keys::ApiPolicy::new(config.api_requests_per_second, config.api_allow_private_callbacks)),
        events,
        db,
        clock: Arc::new(SystemClock),
        hasher: PasswordHasher::new(config.password_hash_concurrency),
        mailer,
        signing_key: Arc::new(secrets.signing_key),
        brand: config.brand_name.as_str().into(),
        public_url: config.site_address().map(Into::into),
        auth: Arc::new(AuthSettings {
            secure_cookies: config.https(),
            admin_two_step: config.admin_two_step(),
            ..AuthSettings::default()
        }),
        limits: RateLimiter::new(&RateLimitSettings::default()),
        numbers: app::services::providers::NumberSources::new(config.demo()),
        catalogue: Default::default(),
        announcements: Default::default(),
        session_cache: Default::default(),
        outside_effects: Default::default(),
        leases: Arc::new(LeaseSettings {
            max_open_per_user: i64::from(config.max_open_leases),
            reuse_after_code_ms: config.number_reuse_after_code_days.map(|d| i64::from(d) * app::services::clock::DAY_MS),
        }),
    })
}

/// Leptos settings: cargo-leptos passes them through LEPTOS_* variables;
/// without it (tests, a plain binary) the defaults match Cargo.toml.
fn leptos_options(addr: SocketAddr) -> LeptosOptions {
    let mut options = leptos::config::get_configuration(None)
        .map(|c| c.leptos_options)
        .unwrap_or_else(|_| LeptosOptions::builder().output_name("usnumhub").build());
    if options.output_name.is_empty() {
        options.output_name = "usnumhub".into();
    }
    options.site_addr = addr;
    options
}

const MAX_BODY_BYTES: usize = 256 * 1024;
/// Request bodies all requests may hold at once: 256 bodies at the cap,
/// or 65,536 of the usual small forms (each counts at least a KB).
const MAX_BUFFERED_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Leptos's route list, generated once per process. Generating it pauses
/// every resource in the process (leptos_server's `SuppressResourceLoad` is
/// a global flag), so a second server built beside a running one, as tests
/// do, left that one's pages waiting forever for their data
/// (leptos-rs/leptos#4773, open).
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));
    ROUTES.clone()
}

fn router(state: AppState) -> Router {
    let routes = route_list();
    let context_state = state.clone();
    let provide_app_context = move || {
        provide_context(context_state.services.clone());
        provide_context(context_state.site_info.clone());
        routes::page_policy::provide_nonce();
    };
    let leptos_options = state.leptos_options.clone();
    let https = state.config.https();
    let pkg_dir = std::path::Path::new(leptos_options.site_root.as_ref()).join(leptos_options.site_pkg_dir.as_ref());

    let router = Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/metrics", get(crate::metrics::scrape))
        .route("/readyz", get(routes::health::readyz))
        .route("/dev/outbox", get(routes::dev_outbox::show))
        .route("/account/export", get(routes::export::export_my_data))
        .route("/admin/ledger.csv", get(routes::ledger_export::admin_ledger_csv))
        .route("/wallet/statement.csv", get(routes::ledger_export::my_statement_csv))
        .route("/events", get(routes::live::lease_events))
        .route("/theme", axum::routing::post(routes::theme::choose))
        .route(
            app::domain::COMMON_PASSWORDS_PATH,
            get(routes::common_passwords::common_passwords).layer(tower_http::compression::CompressionLayer::new()),
        )
        .route("/manifest.webmanifest", get(routes::manifest::web_manifest))
        .route("/robots.txt", get(routes::search_engines::robots_txt))
        .route("/sitemap.xml", get(routes::search_engines::sitemap_xml))
        .route("/webhooks/sms/generic", axum::routing::post(routes::webhooks::generic))
        .route("/webhooks/sms/twilio", axum::routing::post(routes::webhooks::twilio))
        .route("/webhooks/sms/android", axum::routing::post(routes::webhooks::android))
        .route("/stubs/handler_api.php", get(routes::reseller::handler_api).post(routes::reseller::handler_api))
        .nest_service("/pkg", routes::static_files::pkg(&pkg_dir))
        .leptos_routes_with_context(&state, routes, provide_app_context.clone(), {
            let leptos_options = leptos_options.clone();
            move || shell(leptos_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            provide_app_context,
            shell,
        ))
        .layer(axum::middleware::from_fn_with_state(state.clone(), routes::page_cache::serve_cached))
        .layer(axum::middleware::from_fn(routes::page_policy::set_page_policy))
        .layer(axum::middleware::from_fn(routes::nul_input::refuse_nul))
        .layer(axum::middleware::from_fn(routes::server_fn_errors::set_error_status))
        // No form or server function needs more; bigger bodies get 413.
        .layer(routes::request_body::ReadWholeLayer::new(
            MAX_BODY_BYTES,
            Duration::from_secs(state.config.client_timeout_secs),
            MAX_BUFFERED_BODY_BYTES,
        ))
        .layer(axum::middleware::from_fn_with_state(
            routes::csrf::OwnOrigin::new(state.config.public_url.as_deref()),
            routes::csrf::same_origin_only,
        ))
        .layer(axum::middleware::from_fn_with_state(state.clone(), routes::session::resolve_session))
        .layer(routes::panics::layer())
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::metrics::track))
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                    let request_id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    // The path only: the reseller API's query carries the
                    // caller's key, and every log line in the span repeats it.
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id)
                }))
                .layer(PropagateRequestIdLayer::x_request_id()),
        );
    with_security_headers(router, https)
}

/// Headers every response carries; pages get a stricter policy with
/// their script nonce (`routes::page_policy`).
fn with_security_headers(router: Router, https: bool) -> Router {
    let router = router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'"),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        // No page needs the camera, microphone, location or payment APIs;
        // an injected script gets none of them either.
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
        ))
        // A page another site opened cannot reach into ours (window.opener).
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        // Pages and data are the customer's own: kept by no cache, shared
        // or the browser's (the client's files under /pkg set their own).
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    if https {
        router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        ))
    } else {
        router
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing open requests");
}
