import { expect, test, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { adminTopUp, collectProblems, createAdmin, fundedCustomer, hydrated, sidewaysScroll, signIn, signUp } from "./helpers";

test("an admin tops up a customer found by public ID; the customer's open wallet page shows it", async ({ page, browser }) => {
  const stamp = Date.now().toString(36);
  const customer = `cust_${stamp}`;
  const admin = `admin_${stamp}`;
  // The first admin comes from the command line, as in production.
  createAdmin(admin);

  await signUp(page, customer);
  await page.goto("/wallet");
  await hydrated(page);
  await expect(page.getByTestId("balance")).toHaveText("$0.00");
  const publicId = (await page.getByTestId("public-id").textContent())!.trim();
  expect(publicId).toMatch(/^UN-[2-9A-HJ-NP-Z]{6}$/);
  await page.getByLabel("Amount (USD)").fill("12.50");
  const link = page.getByTestId("whatsapp-recharge");
  await expect(link).toHaveAttribute("href", new RegExp(`^https://wa\\.me/15550100100\\?text=.*${publicId}.*%2412\\.50`));

  const adminContext = await browser.newContext();
  const adminPage = await adminContext.newPage();
  await signIn(adminPage, admin);
  await adminPage.goto("/admin/wallets");
  await hydrated(adminPage);
  await adminPage.getByLabel("User ID, email or username").fill(publicId.toLowerCase());
  await adminPage.getByLabel("Amount (USD)").fill("12.50");
  await adminPage.getByLabel("Note").fill("WhatsApp transfer");
  await adminPage.getByRole("button", { name: "Review" }).click();
  const confirmation = adminPage.getByTestId("recharge-confirmation");
  await expect(confirmation).toContainText(customer);
  await expect(confirmation).toContainText("$0.00");
  await expect(confirmation).toContainText("$12.50");
  await adminPage.getByRole("button", { name: "Confirm top-up" }).click();
  await expect(adminPage.getByTestId("recharge-done")).toContainText("$12.50");
  // For the books: the last 30 days of the ledger as CSV, the top-up in it.
  const [download] = await Promise.all([
    adminPage.waitForEvent("download"),
    adminPage.getByRole("button", { name: "Download CSV" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^usnumhub-ledger-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync((await download.path())!, "utf8");
  expect(csv.split("\n")[0]).toBe("entry,time_utc,user_id,username,kind,amount_usd,balance_after_usd,lease,by,note");
  expect(csv).toContain(`,${publicId},${customer},top_up,12.50,12.50,,${admin},WhatsApp transfer`);
  await adminContext.close();

  // The open wallet page shows it without a reload (its event stream),
  // and says so to screen readers.
  await expect(page.getByTestId("balance")).toHaveText("$12.50");
  await expect(page.getByRole("status")).toHaveText("Your balance is now $12.50.");
  const row = page.getByTestId("ledger-row").first();
  await expect(row).toContainText("Top-up — WhatsApp transfer");
  await expect(row).toContainText("$12.50");
  // One page of history has no pager: its two buttons would both be disabled.
  await expect(page.getByRole("button", { name: "Older" })).toHaveCount(0);
  // The customer's own statement, as the page words it.
  const [statement] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download statement (CSV)" }).click(),
  ]);
  expect(statement.suggestedFilename()).toMatch(new RegExp(`^usnumhub-statement-${publicId}-\\d{4}-\\d{2}-\\d{2}-to-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
  const own = readFileSync((await statement.path())!, "utf8");
  expect(own.split("\n")[0]).toBe("entry,time_utc,what,amount_usd,balance_after_usd,lease");
  expect(own).toContain(",Top-up — WhatsApp transfer,12.50,12.50,");
  expect(own).not.toContain(admin);

  // On a phone each entry folds into two lines instead of scrolling sideways.
  await page.setViewportSize({ width: 320, height: 640 });
  expect(await sidewaysScroll(page.getByRole("region", { name: "Wallet history" }))).toBe(0);
});

test("a top-up that lands between the wallet page's render and its stream still shows", async ({ page, browser }) => {
  const stamp = "gap" + Date.now().toString(36);
  const admin = `admin_${stamp}`;
  createAdmin(admin);
  await signUp(page, `cust_${stamp}`);
  await page.goto("/wallet");
  await hydrated(page);
  const publicId = (await page.getByTestId("public-id").textContent())!.trim();
  // The page is rendered at $0.00; the top-up commits before its event
  // stream listens, so no event about it will come down the stream.
  let held = false;
  await page.route((url) => url.pathname === "/events", async (route) => {
    if (!held) {
      held = true;
      await adminTopUp(browser, admin, publicId, "3.00");
    }
    await route.continue();
  });
  await page.reload();
  await expect(page.getByTestId("balance")).toHaveText("$3.00");
  expect(held).toBe(true);
});

/** Signs up on `page` and presses Copy beside the user ID on /wallet:
 * the ID, and the button once it says so. */
async function pressCopy(page: Page, username: string) {
  await signUp(page, username);
  await page.goto("/wallet");
  await hydrated(page);
  const copy = page.getByTestId("copy-button").first();
  await copy.click();
  await expect(copy).toHaveText("Copied");
  // For a moment: then the button says its label again.
  await expect(copy).toHaveText("Copy");
  return { id: (await page.getByTestId("public-id").textContent())!.trim(), copy };
}

test("Copy puts the user ID on the clipboard, also in a browser without the Clipboard API (plain HTTP on a LAN)", async ({ browser }) => {
  const stamp = Date.now().toString(36);
  // With the API (HTTPS, localhost): the clipboard holds the ID afterwards.
  const secure = await browser.newContext({ permissions: ["clipboard-read", "clipboard-write"] });
  const page = await secure.newPage();
  const problems = collectProblems(page);
  const withApi = await pressCopy(page, `copy_${stamp}`);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(withApi.id);
  await secure.close();

  // Browsers offer no navigator.clipboard outside secure contexts, as on
  // http://192.168.…:3000; the button then copies the selection the old way.
  const plain = await browser.newContext();
  const lan = await plain.newPage();
  await lan.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, "clipboard", { get: () => undefined });
    document.addEventListener("copy", () => {
      const field = document.activeElement as HTMLTextAreaElement;
      (window as unknown as { copied: string }).copied = field.value.substring(field.selectionStart, field.selectionEnd);
    });
  });
  problems.push(...collectProblems(lan));
  const withoutApi = await pressCopy(lan, `lancopy_${stamp}`);
  expect(await lan.evaluate(() => (window as unknown as { copied: string }).copied)).toBe(withoutApi.id);
  await expect(withoutApi.copy).toBeFocused();
  await plain.close();
  expect(problems).toEqual([]);
});

test("the WhatsApp button lists the customer's top-up request; the admin credits it from the list", async ({ page, browser }) => {
  const stamp = Date.now().toString(36);
  const admin = `reqadmin_${stamp}`;
  createAdmin(admin);
  await signUp(page, `requester_${stamp}`);
  const problems = collectProblems(page);
  await page.goto("/wallet");
  await hydrated(page);
  const publicId = (await page.getByTestId("public-id").textContent())!.trim();
  await page.getByLabel("Amount (USD)").fill("7.25");
  // WhatsApp opens in a tab of its own (unreachable here); this page stays.
  const [whatsapp] = await Promise.all([page.context().waitForEvent("page"), page.getByTestId("whatsapp-recharge").click()]);
  await whatsapp.close();
  await expect(page.getByTestId("top-up-request")).toContainText("Your top-up request: $7.25");

  const adminContext = await browser.newContext();
  const adminPage = await adminContext.newPage();
  await signIn(adminPage, admin);
  await adminPage.goto("/admin/wallets");
  await hydrated(adminPage);
  // The admin menu counts open requests.
  await expect(adminPage.getByTestId("admin-top-up-requests")).toBeVisible();
  await adminPage.getByRole("button", { name: `Fill in $7.25 for ${publicId}` }).click();
  const confirmation = adminPage.getByTestId("recharge-confirmation");
  await expect(confirmation).toContainText(publicId);
  await expect(confirmation).toContainText("$7.25");
  await expect(adminPage.getByTestId("recharge-answers")).toHaveText("This credits their open top-up request for $7.25.");
  await adminPage.getByLabel("Payment reference").fill("Zelle 7731");
  await adminPage.getByRole("button", { name: "Confirm top-up" }).click();
  await expect(adminPage.getByTestId("recharge-done")).toContainText("$7.25");
  await expect(adminPage.getByRole("button", { name: `Fill in $7.25 for ${publicId}` })).toHaveCount(0);
  await adminContext.close();

  // The customer's open page follows: the balance and the request's end.
  await expect(page.getByTestId("balance")).toHaveText("$7.25");
  await expect(page.getByTestId("top-up-request")).toContainText("Your request for $7.25 was credited");
  await expect(page.getByTestId("ledger-row").first()).toContainText("Top-up — Zelle 7731");
  expect(problems).toEqual([]);
});

test("a customer asks for a low-balance email, sees what it will do and turns it off", async ({ page, browser }) => {
  const publicId = await fundedCustomer(page, browser, "lowbal", "5");
  await page.goto("/wallet");
  await hydrated(page);
  const card = page.getByTestId("balance-alert");
  const state = page.getByTestId("balance-alert-state");
  const field = card.getByLabel("Email me when my balance falls below (USD)");
  await expect(state).toContainText("Get an email when your balance runs low");
  // Told while typing, and by the server when sent anyway.
  await field.fill("0");
  await expect(card.locator(".error")).toHaveText("Enter an amount above zero.");
  // A top-up landing reloads the wallet under the customer's typing,
  // which stays, in both fields.
  const recharge = page.getByLabel("Amount (USD)", { exact: true });
  await recharge.fill("12");
  const admin = `lowbaltop_${Date.now().toString(36)}`;
  createAdmin(admin);
  await adminTopUp(browser, admin, publicId, "1");
  await expect(page.getByTestId("balance")).toHaveText("$6.00");
  await expect(field).toHaveValue("0");
  await expect(card.locator(".error")).toHaveText("Enter an amount above zero.");
  await expect(recharge).toHaveValue("12");
  await field.fill("2000");
  await card.getByRole("button", { name: "Save" }).click();
  await expect(card.getByTestId("form-error")).toHaveText("Choose an amount up to $1,000.00.");
  await field.fill("4");
  await card.getByRole("button", { name: "Save" }).click();
  await expect(state).toHaveText("We email you when your balance falls below $4.00, once each time.");
  await expect(card.getByTestId("form-error")).toHaveCount(0);
  // From here on, no fault: the refusal above was a 400 on purpose.
  const problems = collectProblems(page);
  await page.reload();
  await hydrated(page);
  await expect(field).toHaveValue("4.00");
  // Above today's balance: the first mail waits for a top-up and a fall.
  await field.fill("10");
  await card.getByRole("button", { name: "Save" }).click();
  await expect(state).toContainText("falls below $10.00. It is below that now");
  await card.getByRole("button", { name: "Turn off" }).click();
  await expect(state).toContainText("Get an email when your balance runs low");
  await expect(card.getByRole("button", { name: "Turn off" })).toHaveCount(0);
  await expect(field).toHaveValue("");
  expect(problems).toEqual([]);
});
