import { expect, test } from "@playwright/test";
import { dataDir, httpsBaseUrl } from "../playwright.config";
import { collectProblems, createAdmin, hydrated, signIn, signUpVerified, turnOnTwoStep } from "./helpers";

/** HTTPS served by the server itself, as a deployment without a proxy runs
 * it: Chromium speaks HTTP/2 to it (ALPN), the session cookies are Secure
 * `__Host-` cookies out of scripts' reach, and a customer signs up, gets a
 * live Get Number page and signs out without one console error. */
test("over HTTPS served directly: HTTP/2, Secure cookies, hydrated pages, live stream", async ({ browser }) => {
  const context = await browser.newContext({ baseURL: httpsBaseUrl, ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const problems = collectProblems(page);

  const first = await page.goto("/policies");
  expect(first?.headers()["strict-transport-security"]).toContain("max-age=");
  await hydrated(page);
  const protocol = await page.evaluate(
    () => (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming).nextHopProtocol,
  );
  expect(protocol).toBe("h2");

  await signUpVerified(page, `tls_${Date.now().toString(36)}`);
  const cookies = await context.cookies();
  const session = cookies.filter((c) => c.name.startsWith("__Host-"));
  expect(session.length, JSON.stringify(cookies.map((c) => c.name))).toBeGreaterThan(0);
  for (const c of session) {
    expect(c.secure && c.httpOnly, c.name).toBe(true);
  }
  expect(await page.evaluate(() => document.cookie)).not.toContain("__Host-");

  // Get Number opens its event stream over the same HTTP/2 connection.
  const stream = page.waitForResponse((r) => new URL(r.url()).pathname === "/events");
  await page.goto("/get-number");
  await hydrated(page);
  expect((await stream).status()).toBe(200);
  await expect(page.getByTestId("platforms")).toBeVisible();

  await page.getByTestId("sign-out").click();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sign in" })).toBeVisible();
  expect((await context.cookies()).filter((c) => c.name.startsWith("__Host-") && c.value !== "")).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});

/** Served over HTTPS, admins need two-step sign-in (USNH_ADMIN_TWO_STEP's
 * default there): a new admin is sent from the console to the Account
 * page's setup, and once it is on the console opens without a reload. */
test("over HTTPS an admin turns on two-step sign-in before the admin console opens", async ({ browser }) => {
  const context = await browser.newContext({ baseURL: httpsBaseUrl, ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const problems = collectProblems(page);
  const admin = `tlsadmin_${Date.now().toString(36)}`;
  createAdmin(admin, `${dataDir}-https`);
  await signIn(page, admin);
  await hydrated(page);

  const header = page.getByRole("navigation", { name: "Main" });
  await header.getByRole("link", { name: "Admin" }).click();
  await expect(page.getByTestId("admin-two-step-required")).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Admin" })).toHaveCount(0);
  await page.getByRole("link", { name: "Turn it on on your Account page" }).click();
  await expect(page).toHaveURL(/\/account#two-step$/);
  await expect(page.locator("#two-step")).toContainText("Staff need two-step sign-in on");
  await turnOnTwoStep(page);

  await header.getByRole("link", { name: "Admin" }).click();
  await expect(page.getByRole("navigation", { name: "Admin" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await expect(page.getByTestId("admin-two-step-required")).toHaveCount(0);
  expect(problems).toEqual([]);
  await context.close();
});
