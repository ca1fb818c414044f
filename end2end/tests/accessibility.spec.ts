import { expect, test, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { httpsBaseUrl } from "../playwright.config";
import { adminTopUp, collectProblems, createAdmin, hydrated, signIn, signUpVerified } from "./helpers";

// axe-core, evaluated in the page (evaluation is not subject to the page's
// CSP, which would refuse an injected script tag).
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** What axe-core finds against WCAG 2.1 A and AA on the page as it is now,
 * a page wider than the screen (WCAG 1.4.10 Reflow: nothing but data
 * tables may scroll sideways at 320 CSS pixels; ours scroll in their box),
 * and a page without exactly one main heading (screen reader users jump
 * to it to learn where they are). */
async function violations(page: Page): Promise<string[]> {
  const [scrollWidth, screenWidth, headings] = await page.evaluate(() => [
    document.documentElement.scrollWidth,
    document.documentElement.clientWidth,
    document.querySelectorAll("h1").length,
  ]);
  const path = new URL(page.url()).pathname;
  const found = scrollWidth > screenWidth ? [`${path} is ${scrollWidth} px wide on a ${screenWidth} px screen`] : [];
  if (headings !== 1) found.push(`${path} has ${headings} h1 headings`);
  await page.evaluate(axeSource);
  return found.concat(await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<any> } }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations.map(
      (v: any) => `${location.pathname} ${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n: any) => n.target.join(" ")).join(", ")}`,
    );
  }));
}

async function check(page: Page, paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) {
    await page.goto(path);
    await hydrated(page);
    found.push(...(await violations(page)));
  }
  return found;
}

// Phones too, at the narrowest width WCAG asks for: there the tables
// scroll sideways in their box and the menu folds.
// And in dark mode, whose colours are checked for contrast the same way.
for (const [device, viewport, colorScheme] of [
  ["a desktop", { width: 1280, height: 900 }, "light"],
  ["a phone", { width: 320, height: 640 }, "light"],
  ["a desktop in dark mode", { width: 1280, height: 900 }, "dark"],
] as const) {
  test(`every page meets WCAG 2.1 AA as axe-core checks it on ${device}, signed out, signed in and as an admin`, async ({ browser }) => {
    // Some 25 page loads, each scanned: 23 to 29 s here, past the default
    // 30 s on a slower CI machine.
    test.setTimeout(90_000);
    const stamp = Date.now().toString(36);
    const customer = await browser.newContext({ viewport, colorScheme });
    const page = await customer.newPage();
    const found = await check(page, ["/", "/get-number", "/policies", "/platforms/telegram", "/sign-in", "/sign-up", "/docs/api", "/reset-password", "/no-such-page"]);
    await signUpVerified(page, `a11y_${stamp}`);
    found.push(...(await check(page, ["/get-number", "/wallet", "/account", "/support", "/verify-email"])));
    const admin = `a11yadmin_${stamp}`;
    createAdmin(admin);
    // The confirmation step, where customers decide to pay, and the open
    // lease with its countdown, where they wait for the code.
    await page.goto("/get-number");
    await hydrated(page);
    await adminTopUp(browser, admin, (await page.getByTestId("public-id").first().textContent())!.trim(), "5.00");
    await page.reload();
    await hydrated(page);
    await page.getByTestId("platform-telegram").click();
    await expect(page.getByTestId("confirm-step")).toBeVisible();
    found.push(...(await violations(page)));
    await page.getByTestId("confirm-button").click();
    await expect(page.getByTestId("active-lease")).toBeVisible();
    found.push(...(await violations(page)));
    // Its row among the customer's numbers.
    found.push(...(await check(page, ["/numbers"])));
    const adminContext = await browser.newContext({ viewport, colorScheme });
    const adminTab = await adminContext.newPage();
    await signIn(adminTab, admin);
    found.push(
      ...(await check(adminTab, ["/admin", "/admin/users", "/admin/wallets", "/admin/catalogue", "/admin/supply", "/admin/support", "/admin/audit", "/admin/security"])),
    );
    // The browser outlives the test: close what it opened (an open lease's
    // page keeps its event stream and countdown running).
    await customer.close();
    await adminContext.close();
    expect(found).toEqual([]);
  });
}

// The footer's switch overrides the system's scheme at once, and the server
// renders the next page in the choice (a cookie), before any script runs.
test("the footer's theme switch turns the pages dark or light and back to the system's", async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: "light" });
  const page = await context.newPage();
  const problems = collectProblems(page);
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.goto("/policies");
  await hydrated(page);
  const light = await background();
  const switcher = page.getByRole("group", { name: "Theme" });
  await expect(switcher.getByRole("button", { name: "System" })).toHaveAttribute("aria-pressed", "true");

  // The phone's status bar follows the header's colour.
  const statusBar = (p: typeof page, system: string) => p.locator(`meta[name="theme-color"][media*="${system}"]`);
  await expect(statusBar(page, "light")).toHaveAttribute("content", "#ffffff");
  await expect(statusBar(page, "dark")).toHaveAttribute("content", "#181c25");
  await switcher.getByRole("button", { name: "Dark" }).click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect(statusBar(page, "light")).toHaveAttribute("content", "#181c25");
  await expect.poll(background).not.toBe(light);
  const dark = await background();
  await expect(switcher.getByRole("button", { name: "Dark" })).toHaveAttribute("aria-pressed", "true");
  expect(page.url()).toMatch(/\/policies$/);

  // The next page comes dark from the server: no scripts on this one.
  const plain = await context.newPage();
  await plain.route("**/*.wasm", (route) => route.abort());
  await plain.goto("/get-number");
  await expect(plain.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect(statusBar(plain, "light")).toHaveAttribute("content", "#181c25");
  expect(await plain.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(dark);
  // Without scripts the switch is a form that comes back to the page.
  await plain.getByRole("group", { name: "Theme" }).getByRole("button", { name: "Light" }).click();
  await expect(plain).toHaveURL(/\/get-number$/);
  await expect(plain.locator("html")).toHaveAttribute("data-theme", "light");
  await plain.close();

  await page.reload();
  await hydrated(page);
  await expect(switcher.getByRole("button", { name: "Light" })).toHaveAttribute("aria-pressed", "true");
  await switcher.getByRole("button", { name: "System" }).click();
  await expect(page.locator("html")).not.toHaveAttribute("data-theme", /.*/);
  await expect(statusBar(page, "light")).toHaveAttribute("content", "#ffffff");
  expect(await background()).toBe(light);
  await page.reload();
  await expect(page.locator("html")).not.toHaveAttribute("data-theme", /.*/);
  await context.close();
  expect(problems).toEqual([]);
});

// The HTTPS server has no numbers to lease: Get Number shows every platform
// as having none, with its "Email me" button.
test("Get Number with no number to be had meets WCAG 2.1 AA, light and dark", async ({ browser }) => {
  for (const colorScheme of ["light", "dark"] as const) {
    const context = await browser.newContext({ baseURL: httpsBaseUrl, ignoreHTTPSErrors: true, colorScheme });
    const page = await context.newPage();
    await signUpVerified(page, `a11ynone_${colorScheme}_${Date.now().toString(36)}`);
    expect(await check(page, ["/get-number"])).toEqual([]);
    await context.close();
  }
});
