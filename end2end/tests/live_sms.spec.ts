import { expect, test } from "@playwright/test";
import { createHmac } from "node:crypto";
import { smsWebhookSecret } from "../playwright.config";
import { adminTopUp, createAdmin, hydrated, signUpVerified } from "./helpers";

test("a signed webhook's code appears on the open Get Number page without a reload", async ({ page, browser, request }) => {
  const stamp = Date.now().toString(36);
  const customer = `live_${stamp}`;
  const admin = `liveadmin_${stamp}`;
  createAdmin(admin);
  await signUpVerified(page, customer);
  await page.goto("/get-number");
  await hydrated(page);
  const publicId = (await page.getByTestId("public-id").first().textContent())!.trim();
  await adminTopUp(browser, admin, publicId, "2.00");
  await page.reload();
  await hydrated(page);
  await page.evaluate(() => ((window as any).__noReload = true));

  await page.getByTestId("platform-telegram").click();
  await page.getByTestId("confirm-button").click();
  await expect(page.getByTestId("waiting")).toBeVisible();
  const display = (await page.getByTestId("lease-number").textContent())!;
  const to = "+1" + display.replace(/\D/g, "").slice(1);

  const body = JSON.stringify({ message_id: `e2e-${stamp}`, from: "Telegram", to, text: "Telegram code: 31337\nYou can also tap on this link to log in" });
  const ts = Math.floor(Date.now() / 1000).toString();
  const signature = createHmac("sha256", smsWebhookSecret).update(`${ts}.${body}`).digest("hex");
  const response = await request.post("/webhooks/sms/generic", {
    headers: { "x-usnh-timestamp": ts, "x-usnh-signature": signature, "content-type": "application/json" },
    data: body,
  });
  expect(response.status()).toBe(200);

  // Pushed over Server-Sent Events: well before the 3-second polling.
  await expect(page.getByTestId("lease-code")).toHaveText("31337", { timeout: 2500 });
  await expect(page).toHaveTitle(/^Code 31337/);
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
});
