import { expect, test } from "@playwright/test";
import { httpsBaseUrl } from "../playwright.config";
import { adminTopUp, asNewVisitor, collectProblems, createAdmin, fundedCustomer, hydrated, mailedCode, PASSWORD, sendSignUp, sidewaysScroll, signIn, signUpVerified, smsArrives } from "./helpers";

test("rent a Telegram number, receive the demo code, Done; then confirm and cancel for a refund", async ({ page, browser }) => {
  const stamp = Date.now().toString(36);
  const customer = `gn_${stamp}`;
  const admin = `gnadmin_${stamp}`;
  createAdmin(admin);
  await signUpVerified(page, customer);
  await page.goto("/get-number");
  await hydrated(page);
  await expect(page.getByTestId("gn-balance")).toHaveText("$0.00");
  const publicId = (await page.getByTestId("public-id").first().textContent())!.trim();
  await adminTopUp(browser, admin, publicId, "5.00");

  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("gn-balance")).toHaveText("$5.00");
  await page.getByLabel("Search").fill("tele");
  await expect(page.getByTestId("platforms").getByRole("button")).toHaveCount(1);
  await page.getByTestId("platform-telegram").click();
  await expect(page.getByTestId("confirm-price")).toHaveText("$1.20");
  await expect(page.getByTestId("confirm-window")).toHaveText("20 minutes");
  await expect(page.getByTestId("confirm-step")).toContainText("No refund once a code has arrived");
  await page.getByTestId("confirm-button").click();

  const lease = page.getByTestId("active-lease");
  await expect(lease).toBeVisible();
  await expect(lease.getByText("demo")).toBeVisible();
  await expect(page.getByTestId("lease-number")).toHaveText(/^\+1 \(202\) 555-01\d\d$/);
  const telegramNumber = (await page.getByTestId("lease-number").textContent())!;
  await expect(page.getByTestId("countdown")).toHaveText(/^(19|20):\d\d$/);
  // It counts down in the page.
  const shown = (await page.getByTestId("countdown").textContent())!;
  await expect(page.getByTestId("countdown")).not.toHaveText(shown, { timeout: 3_000 });
  await expect(page.getByTestId("gn-balance")).toHaveText("$3.80");
  await expect(page.getByTestId("lease-complete")).toBeDisabled();
  // Screen readers are told of the code by a live region that was already
  // in the page while they waited (one added with the code is not read out).
  const announcement = await page.getByRole("status").elementHandle();
  await expect(page.getByRole("status")).toBeEmpty();
  // The demo supply sends a sample code after a moment; it comes over the event stream.
  await expect(page.getByTestId("lease-code")).toHaveText(/^\d{6}$/, { timeout: 15_000 });
  const code = await page.getByTestId("lease-code").textContent();
  expect(await announcement!.evaluate((el) => el.isConnected && el.textContent)).toBe(`Your Telegram code is ${code}.`);
  await expect(page).toHaveTitle(/^Code \d{6}/);
  // A refund is no longer on offer; the page says why.
  await expect(page.getByTestId("lease-state")).toHaveText("Code received");
  await expect(page.getByTestId("lease-cancel")).toHaveCount(0);
  await expect(page.getByTestId("lease-refused")).toHaveCount(0);
  await expect(page.getByTestId("no-refund")).toContainText("no refund now");
  await page.getByTestId("lease-complete").click();
  await expect(page.getByTestId("platforms")).toBeVisible();
  await expect(page.getByTestId("recent-leases")).toContainText("Completed");
  // The code's title goes with the lease; the page's own comes back.
  await expect(page).toHaveTitle(/^Get Number · /);

  // Every lease, each message in full, on "Your numbers" (a link away).
  await page.getByRole("link", { name: "All your numbers and their messages" }).click();
  await expect(page).toHaveURL(/\/numbers$/);
  const rows = page.getByTestId("lease-history-row");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`Completed (${code})`);
  await rows.first().getByText("1 message").click();
  await expect(rows.first().getByTestId("lease-messages")).toContainText(`${code}`);
  // A label says which account the number opened, for the day it is rented again.
  await rows.first().getByText("Add a label").click();
  await rows.first().getByLabel(/^Label for Telegram/).fill("work account");
  await rows.first().getByRole("button", { name: "Save" }).click();
  await expect(rows.first().getByTestId("lease-label")).toHaveText("work account");
  await page.setViewportSize({ width: 320, height: 700 });
  await rows.first().getByText("Edit label").click();
  await expect(rows.first().getByLabel(/^Label for Telegram/)).toHaveValue("work account");
  expect(await sidewaysScroll(page.getByRole("region", { name: "Your numbers" }))).toBe(0);
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto("/get-number");
  await hydrated(page);
  await expect(page.getByTestId("recent-leases")).toContainText("work account");

  // Second lease: cancel before the code, fee back.
  await page.getByTestId("platform-google").click();
  await page.getByTestId("confirm-button").click();
  await expect(page.getByTestId("active-lease")).toBeVisible();
  await expect(page.getByTestId("gn-balance")).toHaveText("$2.80");
  // An open lease takes a label too.
  const open = page.getByTestId("active-lease");
  await open.getByText("Add a label").click();
  await open.getByLabel(/^Label for Google/).fill("shop login");
  await open.getByRole("button", { name: "Save" }).click();
  await expect(open.getByTestId("lease-label")).toHaveText("shop login");
  await page.getByTestId("lease-cancel").click();
  await expect(page.getByTestId("gn-balance")).toHaveText("$3.80");
  await expect(page.getByTestId("recent-leases")).toContainText("shop login");
  await expect(page.getByTestId("recent-leases")).toContainText("Cancelled, refunded");
  await expect(page.getByRole("status")).toHaveText("Your Google number ended: Cancelled, refunded.");

  await page.goto("/wallet");
  await hydrated(page);
  const entries = page.getByTestId("ledger-row");
  await expect(entries.nth(0)).toContainText("Refund — Google +1 (202) 555-01");
  await expect(entries.nth(0)).toContainText("cancelled before a code arrived");
  await expect(entries.nth(0)).toContainText("$1.00");
  await expect(entries.nth(1)).toContainText("Number — Google +1 (202) 555-01");
  await expect(entries.nth(1)).toContainText("-$1.00");
  // Only the refunds: the filter keeps its choice and the keyboard focus
  // while the rows change.
  const kind = page.getByTestId("kind-filter");
  await kind.focus();
  await kind.selectOption({ label: "Refund" });
  await expect(entries.filter({ hasNotText: "Refund —" })).toHaveCount(0);
  await expect(entries.first()).toContainText("cancelled before a code arrived");
  await expect(kind).toHaveValue("refund");
  await expect(kind).toBeFocused();

  // "Your numbers" of one platform; the form keeps the focus and what was typed.
  await page.goto("/numbers");
  await hydrated(page);
  await expect(rows).toHaveCount(2);
  const platform = page.getByLabel("Platform");
  await platform.focus();
  await platform.selectOption({ label: "Google" });
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Cancelled, refunded");
  await expect(platform).toHaveValue("google");
  await expect(platform).toBeFocused();
  await platform.selectOption({ label: "All" });
  await expect(rows).toHaveCount(2);
  // And of one number: a typo is told and keeps the list.
  const number = page.getByLabel("Number or label", { exact: true });
  await number.fill("555-01");
  await page.getByRole("button", { name: "Find" }).click();
  await expect(page.getByTestId("number-search-error")).toHaveText("A US number has 10 digits, like (555) 010-0123.");
  await expect(rows).toHaveCount(2);
  // The box and its message stay while the list reloads under them (a
  // label changed, then changed back).
  const labelled = rows.filter({ hasText: "Telegram" });
  for (const text of ["work account 2", "work account"]) {
    await labelled.locator("details.label-edit").evaluate((d) => { (d as HTMLDetailsElement).open = true; });
    await labelled.getByLabel(/^Label for Telegram/).fill(text);
    await labelled.getByRole("button", { name: "Save" }).click();
    await expect(labelled.getByTestId("lease-label")).toHaveText(text);
    await expect(number).toHaveValue("555-01");
    await expect(page.getByTestId("number-search-error")).toHaveText("A US number has 10 digits, like (555) 010-0123.");
  }
  await number.fill(telegramNumber);
  await number.press("Enter");
  await expect(rows.filter({ hasText: "Telegram" })).toHaveCount(1);
  await expect(rows.filter({ hasNotText: telegramNumber })).toHaveCount(0);
  await expect(page.getByTestId("number-search-error")).toHaveCount(0);
  await expect(number).toHaveValue(telegramNumber);
  await expect(number).toBeFocused();
  // Or of a label, whatever its case.
  await number.fill("WORK");
  await number.press("Enter");
  await expect(rows).toHaveCount(1);
  await expect(rows.first().getByTestId("lease-label")).toHaveText("work account");
  await number.fill("bank");
  await number.press("Enter");
  await expect(rows).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Your numbers" })).toContainText("None of your leases matches.");
});

test("Switch before a code: the number is released, the fee comes back, another platform can be taken", async ({ page, browser }) => {
  await fundedCustomer(page, browser, "sw", "5.00");
  await page.goto("/get-number");
  await hydrated(page);
  // Nothing rented yet: no "Recently used" group.
  await expect(page.getByTestId("platforms")).toBeVisible();
  await expect(page.getByTestId("recent-platforms")).toHaveCount(0);
  await page.getByTestId("platform-telegram").click();
  await page.getByTestId("confirm-button").click();
  await expect(page.getByTestId("active-lease")).toContainText("Telegram");
  await expect(page.getByTestId("gn-balance")).toHaveText("$3.80");

  await page.getByTestId("lease-switch").click();
  await expect(page.getByTestId("platforms")).toBeVisible();
  await expect(page.getByTestId("gn-balance")).toHaveText("$5.00");
  await expect(page.getByTestId("recent-leases")).toContainText("Switched, refunded");
  // The platform just left is offered first, until a search.
  await expect(page.getByTestId("recent-platforms").getByRole("button")).toHaveText([/^Telegram\$1\.20/]);
  await page.getByLabel("Search").fill("goo");
  await expect(page.getByTestId("recent-platforms")).toHaveCount(0);
  await page.getByLabel("Search").fill("");
  await page.getByTestId("recent-platform-telegram").click();
  await expect(page.getByRole("heading", { name: "Confirm: Telegram" })).toBeVisible();
  await page.getByRole("button", { name: "Back" }).click();
  await page.getByTestId("platform-google").click();
  await page.getByTestId("confirm-button").click();
  await expect(page.getByTestId("active-lease")).toContainText("Google");
  await expect(page.getByTestId("gn-balance")).toHaveText("$4.00");
});

test("Rent again: one's earlier number comes back for its platform, from Get Number and from Your numbers", async ({ page, browser }) => {
  const problems = collectProblems(page);
  await fundedCustomer(page, browser, "ra", "5.00");
  await page.goto("/get-number");
  await hydrated(page);
  await page.getByTestId("platform-telegram").click();
  await page.getByTestId("confirm-button").click();
  const number = (await page.getByTestId("lease-number").textContent())!;
  // No number to rent again while one is open.
  await expect(page.getByTestId("rent-again")).toHaveCount(0);
  await page.getByTestId("lease-cancel").click();
  await expect(page.getByTestId("gn-balance")).toHaveText("$5.00");

  // From the recent numbers, with the keyboard: the confirmation above
  // takes the focus, and names the number.
  const again = page.getByTestId("recent-leases").getByRole("button", { name: `Rent again for Telegram ${number}` });
  await again.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Confirm: Telegram" })).toBeFocused();
  await expect(page.getByTestId("confirm-price")).toHaveText("$1.20");
  await expect(page.getByTestId("confirm-number")).toContainText(`${number}, yours before`);
  await page.getByTestId("confirm-button").click();
  await expect(page.getByTestId("lease-number")).toHaveText(number);
  await expect(page.getByTestId("gn-balance")).toHaveText("$3.80");
  await page.getByTestId("lease-cancel").click();
  await expect(page.getByTestId("gn-balance")).toHaveText("$5.00");

  // From "Your numbers", a link that opens the same confirmation.
  await page.goto("/numbers");
  await hydrated(page);
  await page.getByTestId("lease-history-row").first().getByRole("link", { name: `Rent again for Telegram ${number}` }).click();
  await expect(page).toHaveURL(/\/get-number\?platform=telegram&number=1202555/);
  await expect(page.getByTestId("confirm-number")).toContainText(number);
  // The server renders it so too (and it hydrates).
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("confirm-number")).toContainText(number);
  // Any number will do after all.
  await page.getByTestId("confirm-any-number").click();
  await expect(page.getByTestId("confirm-number")).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Confirm: Telegram" })).toBeVisible();
  await page.getByTestId("confirm-button").click();
  await expect(page.getByTestId("active-lease")).toContainText("Telegram");
  // The link's query has served: a reload would not ask again.
  await expect(page).toHaveURL(/\/get-number$/);
  await page.getByTestId("lease-cancel").click();
  await expect(page.getByTestId("gn-balance")).toHaveText("$5.00");
  // With another lease open, the link's choice waits for it to end.
  await page.getByTestId("platform-google").click();
  await page.getByTestId("confirm-button").click();
  await expect(page.getByTestId("active-lease")).toContainText("Google");
  await page.goto(`/get-number?platform=telegram&number=${number.replace(/\D/g, "")}`);
  await hydrated(page);
  await expect(page.getByTestId("choice-waits")).toContainText(`To rent Telegram on ${number} as you asked, first end the lease below`);
  await page.getByTestId("lease-cancel").click();
  await expect(page.getByTestId("confirm-number")).toContainText(number);
  await expect(page.getByTestId("choice-waits")).toHaveCount(0);
  await expect(page.getByTestId("gn-balance")).toHaveText("$5.00");
  // A link to a platform no longer offered says so, over the list.
  await page.goto("/get-number?platform=myspace&number=12025550100");
  await hydrated(page);
  await expect(page.getByTestId("platform-gone")).toHaveText("The platform asked for is not offered any more: choose another.");
  await expect(page.getByTestId("platforms")).toBeVisible();
  expect(problems).toEqual([]);
});

test("with the keyboard alone, the focus goes where the page changed: the confirm step, the new lease, the list again", async ({ page, browser }) => {
  await fundedCustomer(page, browser, "kb", "5.00");
  await page.goto("/get-number");
  await hydrated(page);
  // A page that loads leaves the focus alone.
  expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("BODY");

  // Each pressed button is replaced by a new part of the page; the focus
  // moves to its heading instead of falling back to the top of the page.
  await page.getByTestId("platform-telegram").focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Confirm: Telegram" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByTestId("confirm-button")).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: /^Telegram number/ })).toBeFocused();
  await page.getByTestId("lease-cancel").focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "1. Choose the platform" })).toBeFocused();
  await expect(page.getByTestId("gn-balance")).toHaveText("$5.00");
});

test("a platform's record of codes shows before confirming; Your numbers pages through them", async ({ page, browser, request }) => {
  const stamp = Date.now().toString(36);
  await fundedCustomer(page, browser, "odds", "5.00");
  const origin = { Origin: new URL(page.url()).origin };
  const admin = `oddsadmin2_${stamp}`;
  createAdmin(admin);
  const adminTab = await (await browser.newContext()).newPage();
  await signIn(adminTab, admin);
  const added = await adminTab.request.post("/api/admin/add_platform", {
    headers: origin,
    form: { name: `Odds ${stamp}`, price: "0.10", lease_minutes: "5", color: "#13a10e" },
  });
  expect(added.status()).toBe(200);
  const slug = `odds-${stamp}`;
  // 21 leases that got their code, through the SMS webhook: one more than
  // a page of "Your numbers".
  for (let i = 0; i < 21; i++) {
    const confirmed = await page.request.post("/api/confirm_lease", {
      headers: origin,
      form: { platform: slug, price_cents: "10", idempotency_key: `odds-${stamp}-${i}` },
    });
    expect(confirmed.status(), await confirmed.text()).toBe(200);
    const lease = await confirmed.json();
    await smsArrives(request, lease.number, `odds-${stamp}-${i}`, `Your code is ${100000 + i}`);
    const done = await page.request.post("/api/lease_action", { headers: origin, form: { lease_id: String(lease.id), action: "complete" } });
    expect(done.status(), await done.text()).toBe(200);
  }
  // The figures are read once a minute; an admin's change to the catalogue reads them now.
  const moved = await adminTab.request.post("/api/admin/move_platform", { headers: origin, form: { slug, direction: "up" } });
  expect(moved.status()).toBe(200);
  await page.goto("/get-number");
  await hydrated(page);
  await page.getByTestId(`platform-${slug}`).click();
  await expect(page.getByTestId("confirm-code-rate")).toHaveText(/^100 % of the last week's 21 leases got a code; half of the codes came within \d+ seconds?$/);
  // A platform without such a record shows none.
  await page.getByRole("button", { name: "Back", exact: true }).click();
  await page.getByTestId("platform-apple").click();
  await expect(page.getByTestId("confirm-price")).toBeVisible();
  await expect(page.getByTestId("confirm-code-rate")).toHaveCount(0);

  await page.goto("/numbers");
  await hydrated(page);
  const rows = page.getByTestId("lease-history-row");
  await expect(rows).toHaveCount(20);
  await expect(rows.first()).toContainText("Completed (100020)");
  await expect(page.getByRole("button", { name: "Newer" })).toBeDisabled();
  await page.getByRole("button", { name: "Older" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Your code is 100000");
  await expect(page.getByRole("button", { name: "Older" })).toBeDisabled();
  await page.getByRole("button", { name: "Newer" }).click();
  await expect(rows).toHaveCount(20);
  await expect(page.getByRole("button", { name: "Newer" })).toBeDisabled();
  // "Ask support" about the oldest, which the ticket form's list is too short to hold.
  await page.getByRole("button", { name: "Older" }).click();
  await expect(rows).toHaveCount(1);
  await rows.first().getByRole("link", { name: /^Ask support about Odds/ }).click();
  await expect(page).toHaveURL(/\/support\?lease=\d+$/);
  await hydrated(page);
  const leaseId = new URL(page.url()).searchParams.get("lease")!;
  // (Not sent: an unread ticket would change the admin menu other tests read.)
  await expect(page.getByLabel("About a number (optional)")).toHaveValue(leaseId);
});

/** The HTTPS server runs without demo numbers and has none of its own: every
 * platform says so and cannot be chosen; a customer asks to be mailed about
 * one, and the page (also after a reload) says the mail will come, until
 * the customer takes the wish back. */
test("a platform with no number to be had cannot be chosen; the customer asks to be mailed", async ({ browser }) => {
  const context = await browser.newContext({ baseURL: httpsBaseUrl, ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const problems = collectProblems(page);
  await signUpVerified(page, `wait_${Date.now().toString(36)}`);
  await page.goto("/get-number");
  await hydrated(page);
  const whatsapp = page.getByTestId("platform-whatsapp");
  await expect(whatsapp).toContainText("None available right now");
  await expect(page.getByTestId("platforms").getByRole("button", { name: /^Telegram/ })).toHaveCount(0);
  const search = page.getByLabel("Search");
  await search.fill("whats");
  await expect(page.getByTestId("platform-telegram")).toHaveCount(0);
  await page.getByRole("button", { name: "Email me when there are WhatsApp numbers" }).click();
  await expect(whatsapp).toContainText("We will email you when there are.");
  // The search stays while the page reloads its leases under it.
  await expect(search).toHaveValue("whats");
  await expect(page.getByTestId("platform-telegram")).toHaveCount(0);
  await search.fill("");
  await expect(page.getByTestId("platform-notify-whatsapp")).toHaveCount(0);
  await expect(page.getByTestId("platform-notify-telegram")).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(whatsapp).toContainText("We will email you when there are.");
  // Taken back: the offer comes back.
  await page.getByRole("button", { name: "Don't email me about WhatsApp numbers" }).click();
  await expect(page.getByTestId("platform-notify-whatsapp")).toBeVisible();
  await expect(whatsapp).not.toContainText("We will email you");
  expect(problems).toEqual([]);
  await context.close();
});

test("a platform's own page leads a visitor through signing in to that platform's confirmation", async ({ page, browser }) => {
  const username = `plat_${Date.now().toString(36)}`;
  const signingUp = await browser.newContext();
  await signUpVerified(await signingUp.newPage(), username);
  await signingUp.close();

  const problems = collectProblems(page);
  await asNewVisitor(page);
  // From the visitors' price list to a platform's page, inside the app.
  await page.goto("/get-number");
  await hydrated(page);
  await page.getByTestId("price-list").getByRole("link", { name: "Telegram" }).click();
  await expect(page).toHaveURL(/\/platforms\/telegram$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("A US number for Telegram codes");
  await expect(page).toHaveTitle(/^US number for Telegram · /);
  // Loaded by itself, it hydrates without fault.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("platform-price")).toHaveText("$1.20");
  await page.getByTestId("other-platforms").getByRole("link", { name: "Google" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("A US number for Google codes");
  await page.getByTestId("other-platforms").getByRole("link", { name: "Telegram" }).click();

  // Its button chooses the platform; signing in comes back to it.
  await page.getByTestId("platform-get").click();
  await expect(page).toHaveURL(/\/get-number\?platform=telegram$/);
  await page.locator("#main").getByRole("link", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await hydrated(page);
  await page.getByLabel("Email or username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/get-number\?platform=telegram$/);
  await expect(page.getByTestId("confirm-step")).toContainText("Confirm: Telegram");
  expect(problems).toEqual([]);

  // (The browser logs the 404 itself.)
  await page.goto("/platforms/no-such-platform");
  await expect(page.getByTestId("not-found")).toBeVisible();
});

test("an account created from a platform's page comes back to that platform once verified", async ({ page }) => {
  const username = `platnew_${Date.now().toString(36)}`;
  const problems = collectProblems(page);
  await asNewVisitor(page);
  await page.goto("/platforms/google");
  await hydrated(page);
  await page.getByTestId("platform-get").click();
  await expect(page).toHaveURL(/\/get-number\?platform=google$/);
  await page.locator("#main").getByRole("link", { name: "Create an account" }).click();
  await expect(page).toHaveURL(/\/sign-up\?next=%2Fget-number%3Fplatform%3Dgoogle$/);
  await hydrated(page);
  await sendSignUp(page, username);
  await expect(page).toHaveURL(/\/verify-email\?next=/);
  await page.getByLabel("Code").fill(await mailedCode(`${username}@example.com`));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/get-number\?platform=google$/);
  await expect(page.getByTestId("confirm-step")).toContainText("Confirm: Google");
  expect(problems).toEqual([]);
});

test("a customer an admin gave a discount sees and pays the lower price", async ({ page, browser }) => {
  const publicId = await fundedCustomer(page, browser, "disc", "5.00");
  const admin = `discadmin_${Date.now().toString(36)}`;
  createAdmin(admin);
  const adminContext = await browser.newContext();
  const adminTab = await adminContext.newPage();
  await signIn(adminTab, admin);
  await adminTab.goto(`/admin/users/${publicId}`);
  await hydrated(adminTab);
  await expect(adminTab.getByTestId("user-discount")).toHaveText("none");
  await adminTab.getByLabel("Discount (%)").fill("20");
  await adminTab.getByRole("button", { name: "Set discount" }).click();
  await expect(adminTab.getByTestId("user-discount")).toHaveText("20 % off the list prices");
  await adminContext.close();

  await page.goto("/get-number");
  await hydrated(page);
  await expect(page.getByTestId("gn-discount")).toHaveText("Your prices: 20 % off");
  await expect(page.getByTestId("platform-telegram")).toContainText("$0.96");
  await page.getByTestId("platform-telegram").click();
  await expect(page.getByTestId("confirm-price")).toHaveText("$0.96");
  await expect(page.getByTestId("confirm-step")).toContainText("your 20 % discount included");
  await page.getByTestId("confirm-button").click();
  await expect(page.getByTestId("active-lease")).toBeVisible();
  await expect(page.getByTestId("gn-balance")).toHaveText("$4.04");
  await page.getByTestId("lease-cancel").click();
  await expect(page.getByTestId("gn-balance")).toHaveText("$5.00");
});
