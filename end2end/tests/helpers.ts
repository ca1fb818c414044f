import { expect, type APIRequestContext, type Browser, type Locator, type Page, type Response } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { dataDir, serverBin, smsWebhookSecret, smtpMailsUrl } from "../playwright.config";

export const PASSWORD = "purple tiger eats nine plums";

/** The `i64` a server function answered our WASM client with: postcard
 * (app/src/wire.rs), where a signed number is a zigzag LEB128 varint. */
export async function answeredI64(response: Response): Promise<number> {
  let zigzag = 0n;
  let shift = 0n;
  for (const byte of await response.body()) {
    zigzag |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7n;
  }
  return Number((zigzag >> 1n) ^ -(zigzag & 1n));
}

/** Resolves once the page is hydrated: the WASM entry marks `<html data-hydrated>`
 * after it attached its handlers (lazy pages' chunks included). */
export async function hydrated(page: Page) {
  await expect(page.locator("html"), `${page.url()} hydrates`).toHaveAttribute("data-hydrated", "");
}

/** How far `box` scrolls sideways (0: everything fits its width). */
export async function sidewaysScroll(box: Locator): Promise<number> {
  return box.evaluate((el) => el.scrollWidth - el.clientWidth);
}

/** Console errors (a CSP refusal among them) and uncaught errors on the page
 * from here on. The page's data (site info, the viewer, resources) is sent
 * along with the HTML and must match what the browser builds: a mismatch
 * shows as a console error or a page error, and a dead page. */
export function collectProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`${page.url()} pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" || /hydrat/i.test(m.text())) problems.push(`${page.url()} ${m.type()}: ${m.text()}`);
  });
  return problems;
}

/** The last code mailed to `email` in a mail saying `phrase` ("verification
 * code is", "password reset code is"), as it arrived at the SMTP sink. */
export async function mailedCode(email: string, phrase = "code is"): Promise<string> {
  let code = "";
  await expect
    .poll(async () => {
      const mails: { to: string[]; data: string }[] = await (await fetch(smtpMailsUrl)).json();
      const text = mails.filter((m) => m.to.includes(email) && m.data.includes(phrase)).map((m) => m.data).pop() ?? "";
      code = text.match(/code is (\d{6})/)?.[1] ?? "";
      return code;
    }, { message: `a mail to ${email} saying "${phrase}" with a code` })
    .toMatch(/^\d{6}$/);
  return code;
}

/** Every mail to `email` the SMTP sink has received, as raw messages. */
export async function mailsTo(email: string): Promise<string[]> {
  const mails: { to: string[]; data: string }[] = await (await fetch(smtpMailsUrl)).json();
  return mails.filter((m) => m.to.includes(email)).map((m) => m.data);
}

/** From here on the page comes from an address of its own, as customers do:
 * the server trusts the loopback proxy's X-Forwarded-For (see the config), so
 * the per-address sign-up and sign-in limits count each test's visitor apart.
 * A Playwright page or a puppeteer one (the Firefox journeys). */
export async function asNewVisitor(page: { setExtraHTTPHeaders(headers: Record<string, string>): Promise<void> }) {
  const octet = () => 1 + Math.floor(Math.random() * 254);
  await page.setExtraHTTPHeaders({ "x-forwarded-for": `10.${octet()}.${octet()}.${octet()}` });
}

export async function signUp(page: Page, username: string) {
  await asNewVisitor(page);
  await page.goto("/sign-up");
  await hydrated(page);
  await sendSignUp(page, username);
  await expect(page).toHaveURL(/\/verify-email$/);
}

/** Fills in and sends the sign-up form shown in `page`. */
export async function sendSignUp(page: Page, username: string) {
  await page.getByLabel("Email").fill(`${username}@example.com`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel(/18 or older/).check();
  await page.getByRole("button", { name: "Create account" }).click();
}

export async function signUpVerified(page: Page, username: string) {
  await signUp(page, username);
  const code = await mailedCode(`${username}@example.com`);
  await page.getByLabel("Code").fill(code);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/account$/);
  // Let /account finish loading before a test moves on, so the next
  // navigation does not abort its chunk and data requests half-way.
  // (Such aborted loads once exposed a page sent without its nonce
  // policy; the policy now comes from `routes::page_policy`, and
  // torture.rs checks it under abandoned loads.)
  await hydrated(page);
}

/** Sends the sign-in form with the test password, as a new visitor. */
export async function submitSignIn(page: Page, login: string) {
  await asNewVisitor(page);
  await page.goto("/sign-in");
  await hydrated(page);
  await page.getByLabel("Email or username").fill(login);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function signIn(page: Page, login: string) {
  await submitSignIn(page, login);
  await expect(page).toHaveURL(/\/account$/);
}

/** Creates an admin with the server's CLI, as an operator would (in the
 * data directory of the HTTPS server with `${dataDir}-https`). */
export function createAdmin(username: string, inDataDir = dataDir) {
  execFileSync(serverBin, ["admin", "create", "--email", `${username}@example.com`, "--username", username], {
    input: PASSWORD + "\n",
    env: { ...process.env, USNH_DATA_DIR: inDataDir },
    cwd: "..",
  });
}

/** An admin (in a browser context of their own) tops up `publicId`. */
export async function adminTopUp(browser: Browser, admin: string, publicId: string, amount: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, admin);
  await page.goto("/admin/wallets");
  await hydrated(page);
  await page.getByLabel("User ID, email or username").fill(publicId);
  await page.getByLabel("Amount (USD)").fill(amount);
  await page.getByLabel("Note").fill("WhatsApp transfer");
  await page.getByRole("button", { name: "Review" }).click();
  await expect(page.getByTestId("recharge-confirmation")).toContainText(publicId);
  await page.getByRole("button", { name: "Confirm top-up" }).click();
  await expect(page.getByTestId("recharge-done")).toBeVisible();
  await context.close();
}

/** A verified customer signed in on `page`, with `amount` in the wallet
 * from a new admin; their public ID. */
export async function fundedCustomer(page: Page, browser: Browser, prefix: string, amount: string): Promise<string> {
  return (await fundedCustomerAndAdmin(page, browser, prefix, amount)).publicId;
}

/** As `fundedCustomer`, with the customer's and the admin's usernames, for
 * a test that signs them in elsewhere. */
export async function fundedCustomerAndAdmin(page: Page, browser: Browser, prefix: string, amount: string) {
  const stamp = Date.now().toString(36);
  const admin = `${prefix}admin_${stamp}`;
  const customer = `${prefix}_${stamp}`;
  createAdmin(admin);
  await signUpVerified(page, customer);
  const publicId = (await page.getByTestId("public-id").first().textContent())!.trim();
  await adminTopUp(browser, admin, publicId, amount);
  return { publicId, customer, admin };
}

/** The code an authenticator app shows at `atMs` for `key` (base32, as the
 * Account page shows it): RFC 6238, SHA-1, 6 digits, 30-second steps. */
export function authenticatorCode(key: string, atMs: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of key.replace(/[\s=]/g, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const secret = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 30_000)));
  const mac = createHmac("sha1", secret).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return ((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).toString().padStart(6, "0");
}

/** Turns on two-step sign-in on the Account page shown in `page`, with the
 * key typed in as from a phone; the key and the first recovery code. */
export async function turnOnTwoStep(page: Page): Promise<{ key: string; recovery: string }> {
  const section = page.locator("#two-step");
  await section.getByLabel("Password").fill(PASSWORD);
  await section.getByRole("button", { name: "Set up two-step sign-in" }).click();
  await expect(section.locator(".qr-code svg")).toBeVisible();
  const key = (await section.getByTestId("two-step-secret").textContent()) ?? "";
  await section.getByLabel("Code from the app").fill(authenticatorCode(key, Date.now()));
  await section.getByRole("button", { name: "Turn on two-step sign-in" }).click();
  const codes = section.getByTestId("recovery-codes").locator("li");
  await expect(codes).toHaveCount(10);
  const recovery = (await codes.first().textContent()) ?? "";
  expect(recovery).toMatch(/^[2-9A-Z]{5}-[2-9A-Z]{5}$/);
  return { key, recovery };
}

/** Posts a signed SMS webhook and checks it was taken. */
export async function smsArrives(request: APIRequestContext, to: string, messageId: string, text: string) {
  const body = JSON.stringify({ message_id: messageId, from: "Telegram", to, text });
  const ts = Math.floor(Date.now() / 1000).toString();
  const signature = createHmac("sha256", smsWebhookSecret).update(`${ts}.${body}`).digest("hex");
  const response = await request.post("/webhooks/sms/generic", {
    headers: { "x-usnh-timestamp": ts, "x-usnh-signature": signature, "content-type": "application/json" },
    data: body,
  });
  expect(response.status()).toBe(200);
}
