import { expect, test, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { dataDir, serverBin } from "../playwright.config";

const PASSWORD = "purple tiger eats nine plums";

async function hydrated(page: Page) {
  await page.waitForFunction(() =>
    performance.getEntriesByType("resource").some((e) => e.name.endsWith(".wasm")) &&
    document.readyState === "complete");
  await page.waitForTimeout(200);
}

async function signUp(page: Page, username: string) {
  await page.goto("/sign-up");
  await hydrated(page);
  await page.getByLabel("Email").fill(`${username}@example.com`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel(/18 or older/).check();
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/verify-email$/);
}

async function signIn(page: Page, login: string) {
  await page.goto("/sign-in");
  await hydrated(page);
  await page.getByLabel("Email or username").fill(login);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/account$/);
}

test("an admin tops up a customer found by public ID; the customer's wallet shows it", async ({ page, browser }) => {
  const stamp = Date.now().toString(36);
  const customer = `cust_${stamp}`;
  const admin = `admin_${stamp}`;
  // The first admin comes from the command line, as in production.
  execFileSync(serverBin, ["admin", "create", "--email", `${admin}@example.com`, "--username", admin], {
    input: PASSWORD + "\n",
    env: { ...process.env, USNH_DATA_DIR: dataDir },
    cwd: "..",
  });

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
  await adminPage.goto("/admin");
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
  await adminContext.close();

  await page.reload();
  await expect(page.getByTestId("balance")).toHaveText("$12.50");
  const row = page.getByTestId("ledger-row").first();
  await expect(row).toContainText("Top-up — WhatsApp transfer");
  await expect(row).toContainText("$12.50");
});
