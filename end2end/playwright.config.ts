import { defineConfig } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// The real server binary, built by `make test` (cargo leptos build), on its
// own port with a fresh data directory (a fresh SQLite database) per run.
const port = Number(process.env.E2E_PORT ?? 3100);
const smtpPort = port + 25;
const smtpHttpPort = port + 26;
// A second server, serving HTTPS itself (https.spec.ts).
const httpsPort = port + 1;
export const httpsBaseUrl = `https://127.0.0.1:${httpsPort}`;
export const smtpMailsUrl = `http://127.0.0.1:${smtpHttpPort}/mails`;
export const smsWebhookSecret = "e2e-webhook-secret";
const targetDir = process.env.CARGO_TARGET_DIR ?? resolve(__dirname, "../target");
// Debian's Firefox ESR (firefox.spec.ts drives it over WebDriver BiDi).
export const firefoxPath = process.env.FIREFOX_PATH ?? "/usr/bin/firefox-esr";
export const serverBin = process.env.SERVER_BIN ?? join(targetDir, "debug", "server");
export const dataDir = process.env.E2E_DATA_DIR ?? mkdtempSync(join(tmpdir(), "usnh-e2e-"));
// Test workers load this file again; they must see the server's data dir.
process.env.E2E_DATA_DIR = dataDir;

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: "./test-results",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      // Debian's Chromium; Playwright never downloads a browser here.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
      ],
    },
  },
  webServer: [
    {
      // Mail goes over real SMTP to this sink; tests read it over HTTP.
      command: `node smtp-sink.mjs`,
      cwd: __dirname,
      url: `http://127.0.0.1:${smtpHttpPort}/health`,
      reuseExistingServer: false,
      env: { SMTP_PORT: String(smtpPort), SMTP_HTTP_PORT: String(smtpHttpPort) },
    },
    {
    command: serverBin,
    cwd: resolve(__dirname, ".."),
    url: `http://127.0.0.1:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      USNH_LISTEN: `127.0.0.1:${port}`,
      USNH_DATA_DIR: dataDir,
      USNH_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      USNH_DEMO_CODE_DELAY_SECS: "4",
      USNH_SMS_WEBHOOK_SECRET: smsWebhookSecret,
      // Tests act as many customers from one machine: helpers.asNewVisitor.
      USNH_TRUSTED_PROXIES: '["127.0.0.1"]',
      RUST_LOG: process.env.RUST_LOG ?? "warn",
    },
    },
    {
      command: "end2end/https-server.sh",
      cwd: resolve(__dirname, ".."),
      url: `${httpsBaseUrl}/readyz`,
      ignoreHTTPSErrors: true,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "pipe",
      stderr: "pipe",
      env: {
        SERVER_BIN: serverBin,
        USNH_LISTEN: `127.0.0.1:${httpsPort}`,
        USNH_DATA_DIR: `${dataDir}-https`,
        USNH_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        USNH_TRUSTED_PROXIES: '["127.0.0.1"]',
        RUST_LOG: process.env.RUST_LOG ?? "warn",
      },
    },
  ],
});
