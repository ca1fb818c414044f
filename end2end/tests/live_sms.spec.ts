import { expect, test, type Browser, type Page } from "@playwright/test";
import { fundedCustomer, hydrated, signUpVerified, smsArrives } from "./helpers";

/** A new customer with a Telegram lease waiting for its code, on an open
 * Get Number page; returns the leased number in E.164. */
async function waitingLease(page: Page, browser: Browser): Promise<string> {
  await fundedCustomer(page, browser, "live", "2.00");
  await page.goto("/get-number");
  await hydrated(page);
  await page.getByTestId("platform-telegram").click();
  await page.getByTestId("confirm-button").click();
  await expect(page.getByTestId("waiting")).toBeVisible();
  const display = (await page.getByTestId("lease-number").textContent())!;
  return "+1" + display.replace(/\D/g, "").slice(1);
}

test("a signed webhook's code appears on the open Get Number page without a reload", async ({ page, browser, request }) => {
  const stamp = Date.now().toString(36);
  const to = await waitingLease(page, browser);
  await page.evaluate(() => ((window as any).__noReload = true));

  await smsArrives(request, to, `e2e-${stamp}`, "Telegram code: 31337\nYou can also tap on this link to log in");

  // Pushed over Server-Sent Events (the page polls only while its stream
  // is down). No time limit of its own here: `make bench` measures the
  // delay, and a busy machine must not fail this test.
  await expect(page.getByTestId("lease-code")).toHaveText("31337");
  await expect(page).toHaveTitle(/^Code 31337/);
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
});

test("a code that arrives before the page's event stream opens still shows", async ({ page, browser, request }) => {
  const stamp = "gap" + Date.now().toString(36);
  const to = await waitingLease(page, browser);
  // The page is rendered without the code; the code arrives after that
  // and before the browser's event stream is listening, so no event
  // about it will ever come down the stream.
  let held = false;
  await page.route((url) => url.pathname === "/events", async (route) => {
    if (!held) {
      held = true;
      await smsArrives(request, to, `e2e-${stamp}`, "Telegram code: 42424");
    }
    await route.continue();
  });
  await page.reload();
  // Once the stream is open the page does not poll, and no event about
  // this code will come: the stream's catch-up for what changed since the
  // render is what shows it.
  await expect(page.getByTestId("lease-code")).toHaveText("42424");
  expect(held).toBe(true);
});

test("a Get Number visit asks for its leases only in its render when nothing changed meanwhile", async ({ page }) => {
  await signUpVerified(page, `visit_${Date.now().toString(36)}`);
  const asked: string[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname === "/api/my_leases") asked.push(r.url());
  });
  const stream = page.waitForResponse((r) => new URL(r.url()).pathname === "/events");
  await page.goto("/get-number");
  await hydrated(page);
  // The stream carries the rendered data's cursor; the server found
  // nothing newer, so the page reloads nothing.
  expect(new URL((await stream).url()).searchParams.get("after")).toMatch(/^\d+$/);
  await page.waitForTimeout(1000);
  expect(asked).toEqual([]);
});

test("once allowed, a code that arrives while the tab is hidden shows as a notification (a browser without service workers)", async ({ page, browser, request }) => {
  const stamp = "note" + Date.now().toString(36);
  // The browser's side, recorded: notifications shown, the permission, and
  // whether the tab is hidden (a headless tab never is). No service
  // workers (plain HTTP on a LAN, some private modes): the page's own kind.
  await page.addInitScript(() => {
    const w = window as any;
    Object.defineProperty(Navigator.prototype, "serviceWorker", { configurable: true, get: () => undefined });
    w.__shown = [];
    w.__permission = "default";
    w.Notification = class {
      static get permission() {
        return w.__permission;
      }
      static requestPermission() {
        w.__permission = "granted";
        return Promise.resolve("granted");
      }
      constructor(title: string, options?: { body?: string }) {
        w.__shown.push(`${title} | ${options?.body ?? ""}`);
      }
    };
    Object.defineProperty(Document.prototype, "hidden", { configurable: true, get: () => Boolean(w.__hidden) });
  });
  const to = await waitingLease(page, browser);
  await page.getByTestId("notify-me").click();
  await expect(page.getByTestId("notify-on")).toHaveText("This browser will notify you when the code arrives.");
  // The button gave way to a note (one view type for both in the browser
  // build: the element itself must be replaced, vendor/README.md).
  expect(await page.getByTestId("notify-on").evaluate((e) => e.tagName)).toBe("SPAN");
  await expect(page.getByRole("button", { name: "Notify me when the code arrives" })).toHaveCount(0);
  await page.evaluate(() => ((window as any).__hidden = true));

  await smsArrives(request, to, `e2e-${stamp}`, "Telegram code: 27182");
  await expect(page.getByTestId("lease-code")).toHaveText("27182");
  expect(await page.evaluate(() => (window as any).__shown)).toEqual(["Telegram code: 27182 | Your Telegram code is 27182."]);
});

test("where service workers run, the code notification comes from ours (Chrome on Android shows no other kind)", async ({ page, browser, request }) => {
  const stamp = "worker" + Date.now().toString(36);
  // A headless tab is never hidden: this page says it is when told.
  await page.addInitScript(() => {
    Object.defineProperty(Document.prototype, "hidden", { configurable: true, get: () => Boolean((window as any).__hidden) });
  });
  await page.context().grantPermissions(["notifications"]);
  const to = await waitingLease(page, browser);
  // Allowed before: the page says so and registers the worker.
  await expect(page.getByTestId("notify-on")).toBeVisible();
  await expect
    .poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.scriptURL ?? ""))
    .toMatch(/\/sw\.js$/);
  await page.evaluate(() => ((window as any).__hidden = true));

  await smsArrives(request, to, `e2e-${stamp}`, "Telegram code: 16180");
  await expect(page.getByTestId("lease-code")).toHaveText("16180");
  const shown = () =>
    page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      return (await registration!.getNotifications()).map((n) => `${n.title} | ${n.body}`);
    });
  await expect.poll(shown).toEqual(["Telegram code: 16180 | Your Telegram code is 16180."]);
});

test("the page links an app manifest whose icons load, so phones can add the site to the home screen", async ({ page, request }) => {
  await page.goto("/");
  const href = await page.locator('link[rel="manifest"]').getAttribute("href");
  const manifest = await (await request.get(href!)).json();
  expect(manifest.start_url).toBe("/get-number");
  expect(manifest.icons.length).toBeGreaterThanOrEqual(2);
  for (const icon of [...manifest.icons, { src: await page.locator('link[rel="apple-touch-icon"]').getAttribute("href"), sizes: "180x180" }]) {
    const answer = await request.get(icon.src);
    expect(answer.status(), icon.src).toBe(200);
    expect(answer.headers()["content-type"]).toBe("image/png");
    // A PNG's width and height, from its header, as the manifest states them.
    const png = await answer.body();
    expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`, icon.src).toBe(icon.sizes);
  }
});
