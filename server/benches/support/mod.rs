//! Shared by the benchmarks: percentiles and figures for the tables.
#![allow(dead_code)]
use std::time::Duration;

pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

pub const PASSWORD: &str = "purple tiger eats nine plums";

/// The binary to measure: `BENCH_SERVER_BIN` when set (`make bench` points
/// it at the production build, whose views are type-erased as cargo-leptos
/// builds them), else the one cargo built for this benchmark.
fn server_binary() -> std::path::PathBuf {
    std::env::var_os("BENCH_SERVER_BIN").map(Into::into).unwrap_or_else(|| env!("CARGO_BIN_EXE_server").into())
}

/// The server binary in its own process (so its memory is its own), with
/// an admin "bench" made by `server admin create`; killed when dropped.
pub struct BenchServer {
    child: std::process::Child,
    pub base: String,
    pub admin_public_id: String,
}

impl Drop for BenchServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl BenchServer {
    /// Starts on a free port with `data_dir` and the extra settings `env`.
    pub async fn start(data_dir: &std::path::Path, env: &[(&str, &str)]) -> BenchServer {
        use std::{io::Write, process::{Command, Stdio}};
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let listen = format!("127.0.0.1:{port}");
        let command = || {
            let mut cmd = Command::new(server_binary());
            cmd.env("USNH_DATA_DIR", data_dir).env("USNH_LISTEN", &listen).env("RUST_LOG", "error").envs(env.iter().copied());
            cmd
        };
        let mut create = command()
            .args(["admin", "create", "--email", "bench@example.com", "--username", "bench"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("server admin create");
        create.stdin.take().expect("stdin").write_all(format!("{PASSWORD}\n").as_bytes()).expect("password written");
        let out = create.wait_with_output().expect("admin created");
        let admin_public_id = String::from_utf8_lossy(&out.stdout).trim().rsplit(' ').next().unwrap_or_default().to_string();
        assert!(admin_public_id.starts_with("UN-"), "admin create said: {}", String::from_utf8_lossy(&out.stdout));
        let child = command().arg("serve").spawn().expect("server starts");
        let server = BenchServer { child, base: format!("http://{listen}"), admin_public_id };
        for _ in 0..200 {
            if reqwest::get(format!("{}/healthz", server.base)).await.is_ok() {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not start");
    }

    /// The process's resident memory, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }
}
