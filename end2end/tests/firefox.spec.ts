import { expect, test } from "@playwright/test";
import puppeteer, { type Browser, type HTTPRequest, type Page as FirefoxPage } from "puppeteer-core";
import { firefoxPath } from "../playwright.config";
import { asNewVisitor, fundedCustomerAndAdmin, mailedCode, PASSWORD } from "./helpers";

// Every other journey runs in Chromium; these two run in Firefox (Debian's
// ESR, driven by puppeteer-core over WebDriver BiDi, since Playwright drives
// only its own Firefox build), the other engine our customers' browsers use:
// a page that hydrates in one engine and not in the other, a live code that
// never arrives there, or a form whose typing is lost there, fails here.

/** Console errors and uncaught errors in the Firefox page, from here on.
 * While `failing` is set (the test makes a page's code fail to load, which
 * wasm-split's loader logs as an error), only panics count. */
function problemsOf(page: FirefoxPage): { list: string[]; failing: boolean } {
  const seen = { list: [] as string[], failing: false };
  const note = (text: string) => {
    if (!seen.failing || /panicked/.test(text)) seen.list.push(`${page.url()} ${text}`);
  };
  page.on("pageerror", (e) => note(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
  page.on("console", (m) => {
    if (m.type() === "error" || /hydrat|panicked/i.test(m.text())) note(`${m.type()}: ${m.text()}`);
  });
  return seen;
}

/** Waits for the WASM entry's mark of a finished hydration (helpers.hydrated). */
async function hydratedIn(page: FirefoxPage) {
  await page.waitForFunction(() => document.documentElement.hasAttribute("data-hydrated"), { timeout: 10_000 });
}

/** Opens `path`, hydrated. */
async function visit(page: FirefoxPage, path: string) {
  await page.goto(new URL(path, test.info().project.use.baseURL).href);
  await hydratedIn(page);
}

/** Waits until the element with `testid` reads `pattern`; its text. */
async function shows(page: FirefoxPage, testid: string, pattern: RegExp, timeout = 10_000): Promise<string> {
  await page
    .waitForFunction(
      (id, source) => new RegExp(source).test(document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() ?? ""),
      { timeout },
      testid,
      pattern.source,
    )
    .catch(async () => {
      const now = await page.$eval(`[data-testid="${testid}"]`, (e) => e.textContent).catch(() => "(absent)");
      throw new Error(`${testid} never read ${pattern} in Firefox; it reads ${JSON.stringify(now)}`);
    });
  return (await page.$eval(`[data-testid="${testid}"]`, (e) => e.textContent ?? "")).trim();
}

async function press(page: FirefoxPage, testid: string) {
  await page.locator(`[data-testid="${testid}"]`).click();
}

/** Presses the button named `name`. */
async function pressButton(page: FirefoxPage, name: string) {
  await page.locator(`::-p-aria([name="${name}"][role="button"])`).click();
}

/** Waits until the page's address is `path`. */
async function reaches(page: FirefoxPage, path: RegExp) {
  await page
    .waitForFunction((source) => new RegExp(source).test(location.pathname + location.search), { timeout: 10_000 }, path.source)
    .catch(() => {
      throw new Error(`Firefox never reached ${path}; it is at ${page.url()}`);
    });
}

/** Waits until the page says `text` somewhere. */
async function says(page: FirefoxPage, text: string) {
  await page.waitForFunction((t) => document.body.innerText.includes(t), { timeout: 10_000 }, text).catch(() => {
    throw new Error(`${page.url()} never said "${text}" in Firefox`);
  });
}

/** Types `text` over what the field `selector` holds, key by key. */
async function retype(page: FirefoxPage, selector: string, text: string) {
  await page.focus(selector);
  await page.keyboard.down("Control");
  await page.keyboard.press("a");
  await page.keyboard.up("Control");
  await page.keyboard.press("Backspace");
  await page.type(selector, text);
}

/** Runs `journey` in a fresh headless Firefox, closed afterwards. */
async function inFirefox(journey: (firefox: Browser) => Promise<void>) {
  const firefox = await puppeteer.launch({ browser: "firefox", executablePath: firefoxPath, headless: true, args: ["--no-remote"] });
  try {
    await journey(firefox);
  } finally {
    await firefox.close();
  }
}

async function firefoxSignIn(page: FirefoxPage, login: string, password = PASSWORD) {
  await asNewVisitor(page);
  await visit(page, "/sign-in");
  await page.type("#login", login);
  await page.type("#password", password);
  await page.keyboard.press("Enter");
  await reaches(page, /^\/account$/);
  // Let /account finish loading (as helpers.signUpVerified does): leaving a
  // page while its code loads makes the loader log the aborted fetch.
  await hydratedIn(page);
}

test("in Firefox: pages hydrate, a number's code arrives live, a cancel refunds, a page whose code fails loads whole, the admin console works", async ({ page, browser }) => {
  // Firefox starts in a few seconds; the demo code comes 4 s after the rent.
  test.setTimeout(120_000);
  const { publicId, customer, admin } = await fundedCustomerAndAdmin(page, browser, "ff", "5.00");

  await inFirefox(async (firefox) => {
    const ff = await firefox.newPage();
    await ff.setViewport({ width: 1280, height: 900 }); // the menu's links in view
    const problems = problemsOf(ff);
    for (const path of ["/", "/policies", "/platforms/telegram", "/docs/api", "/sign-up"]) await visit(ff, path);
    await firefoxSignIn(ff, customer);
    for (const path of ["/wallet", "/numbers", "/support", "/account", "/get-number"]) await visit(ff, path);

    await shows(ff, "gn-balance", /^\$5\.00$/);
    // A stream with nothing to tell yet counts as open at once: Firefox
    // reports it open only once some of its body came (Chromium at its
    // headers), so the server starts every stream with a comment.
    const quietStream = await ff.evaluate(
      () =>
        new Promise<string>((done) => {
          const stream = new EventSource("/events");
          const settle = (state: string) => {
            stream.close();
            done(state);
          };
          stream.onopen = () => settle("open");
          setTimeout(() => settle("still connecting after 5 s"), 5_000);
        }),
    );
    expect(quietStream).toBe("open");
    await press(ff, "platform-telegram");
    await shows(ff, "confirm-price", /^\$1\.20$/);
    await press(ff, "confirm-button");
    await shows(ff, "lease-number", /^\+1 \(202\) 555-01\d\d$/);
    await shows(ff, "gn-balance", /^\$3\.80$/);
    const countdown = await shows(ff, "countdown", /^(19|20):\d\d$/);
    await ff.waitForFunction((was) => document.querySelector('[data-testid="countdown"]')?.textContent?.trim() !== was, { timeout: 3_000 }, countdown);
    // The demo code comes over the event stream, without a reload.
    const code = await shows(ff, "lease-code", /^\d{6}$/, 20_000);
    expect(await ff.title()).toMatch(new RegExp(`^Code ${code}`));
    await press(ff, "lease-complete");
    await shows(ff, "recent-leases", /Completed/);

    await press(ff, "platform-google");
    await press(ff, "confirm-button");
    await shows(ff, "gn-balance", /^\$2\.80$/);
    await press(ff, "lease-cancel");
    await shows(ff, "gn-balance", /^\$3\.80$/);
    await ff.reload();
    await shows(ff, "gn-balance", /^\$3\.80$/);

    // A link whose page code cannot load (hydration.spec.ts tells why):
    // the page comes in full from the server, one history entry, no panic,
    // and Back leads to Get Number, whole.
    problems.failing = true;
    await ff.setRequestInterception(true);
    const failWalletCode = (request: HTTPRequest) => {
      if (request.isInterceptResolutionHandled()) return;
      const answered = /\/pkg\/split_customer[^/]*\.wasm$/.test(request.url()) ? request.abort() : request.continue();
      answered.catch(() => undefined);
    };
    ff.on("request", failWalletCode);
    const entries = await ff.evaluate(() => history.length);
    await ff.locator('nav a[href="/wallet"]').click();
    await ff.waitForFunction(() => document.documentElement.getAttribute("data-page-code") === "missing", { timeout: 10_000 });
    expect(await ff.evaluate(() => [location.pathname, history.length])).toEqual(["/wallet", entries + 1]);
    await shows(ff, "balance", /^\$3\.80$/);
    ff.off("request", failWalletCode);
    await ff.setRequestInterception(false);
    problems.failing = false;
    await ff.goBack();
    await hydratedIn(ff);
    expect(await ff.evaluate(() => location.pathname)).toBe("/get-number");
    await shows(ff, "gn-balance", /^\$3\.80$/);

    // The admin console, in a browser context of its own: every page
    // hydrates, and a top-up goes through its review and confirmation.
    const staff = await (await firefox.createBrowserContext()).newPage();
    const staffProblems = problemsOf(staff);
    await firefoxSignIn(staff, admin);
    for (const path of ["/admin", "/admin/users", "/admin/catalogue", "/admin/supply", "/admin/support", "/admin/audit", "/admin/security", "/admin/wallets"]) {
      await visit(staff, path);
    }
    await staff.type("#recharge-query", publicId);
    await staff.type("#recharge-amount-admin", "1.00");
    await staff.type("#recharge-note", "Firefox transfer");
    await staff.locator(`::-p-aria([name="Review"][role="button"])`).click();
    expect(await shows(staff, "recharge-confirmation", new RegExp(publicId))).toContain("$1.00");
    await staff.locator(`::-p-aria([name="Confirm top-up"][role="button"])`).click();
    await shows(staff, "recharge-done", /./);
    await visit(staff, `/admin/users/${publicId}`);
    await shows(staff, "user-balance", /^\$4\.80$/);
    expect([...problems.list, ...staffProblems.list]).toEqual([]);
  });
});

test("in Firefox: a visitor signs up, verifies the mailed code, writes to support, signs out and sets a forgotten password with the mailed code", async () => {
  test.setTimeout(90_000);
  const username = `ffacct_${Date.now().toString(36)}`;
  const email = `${username}@example.com`;
  const newPassword = "seven green herons fold maps";
  await inFirefox(async (firefox) => {
    const ff = await firefox.newPage();
    await ff.setViewport({ width: 1280, height: 900 });
    const problems = problemsOf(ff);
    await asNewVisitor(ff);
    await visit(ff, "/sign-up");
    // The live hints answer as the keys are typed.
    await ff.type("#password", "CorrectHorseBatteryStaple");
    await says(ff, "This password is too common");
    await retype(ff, "#password", PASSWORD);
    await ff.type("#email", email);
    await ff.type("#username", username);
    await ff.locator('input[name="adult_and_terms"]').click();
    await pressButton(ff, "Create account");
    await reaches(ff, /^\/verify-email$/);
    await hydratedIn(ff);
    await ff.type("#code", await mailedCode(email));
    await pressButton(ff, "Verify");
    await reaches(ff, /^\/account$/);
    await hydratedIn(ff);

    await visit(ff, "/support");
    await ff.type("#ticket-subject", "Asked from Firefox");
    await ff.type("#ticket-message", "Does Firefox reach you?");
    await pressButton(ff, "Send");
    await reaches(ff, /^\/support\/\d+$/);
    await shows(ff, "thread", /Does Firefox reach you\?/);

    // Signing out is a plain form: the whole page comes again, signed out.
    await press(ff, "sign-out");
    await ff.waitForFunction(() => !document.querySelector('[data-testid="sign-out"]'), { timeout: 10_000 });
    await visit(ff, "/account");
    await says(ff, "Sign in to see your account.");

    await visit(ff, "/sign-in");
    await ff.locator('a[href="/reset-password"]').click();
    await reaches(ff, /^\/reset-password$/);
    await hydratedIn(ff);
    await ff.type("#reset-email", email);
    await pressButton(ff, "Email me a code");
    await ff.waitForSelector('[data-testid="reset-sent"]', { timeout: 10_000 });
    await ff.type("#reset-code", await mailedCode(email, "password reset code is"));
    await ff.type("#reset-password", "short");
    await says(ff, "Use at least 15 characters");
    await retype(ff, "#reset-password", newPassword);
    await pressButton(ff, "Set the new password");
    await reaches(ff, /^\/sign-in\?reset=1$/);
    await says(ff, "Your password is set.");
    await firefoxSignIn(ff, username, newPassword);
    expect(problems.list).toEqual([]);
  });
});
