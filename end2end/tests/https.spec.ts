import { expect, test } from "@playwright/test";
import { httpsBaseUrl } from "../playwright.config";
import { collectProblems, hydrated, signUpVerified } from "./helpers";

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
