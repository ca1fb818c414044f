import { expect, test } from "@playwright/test";
import { collectProblems, createAdmin, hydrated, sidewaysScroll, signIn, signUpVerified } from "./helpers";

test("pages hydrate without errors, signed out and signed in", async ({ page }) => {
  const problems = collectProblems(page);
  for (const path of ["/", "/policies", "/platforms/telegram", "/sign-in", "/sign-up", "/docs/api", "/support", "/wallet"]) {
    await page.goto(path);
    await hydrated(page);
  }
  // A visitor finds the prices from the home page before signing up.
  await page.goto("/");
  await hydrated(page);
  await page.getByRole("link", { name: "Prices" }).click();
  await expect(page).toHaveURL(/\/get-number$/);
  await expect(page.getByTestId("price-list")).toContainText("Telegram");
  await expect(page.getByTestId("price-list")).toContainText("$1.20");
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("price-list")).toContainText("20 minutes");
  // On a phone each platform is a block of labelled lines.
  await page.setViewportSize({ width: 320, height: 700 });
  expect(await sidewaysScroll(page.getByRole("region", { name: "Prices" }))).toBe(0);
  await page.setViewportSize({ width: 1280, height: 720 });
  await signUpVerified(page, `hyd_${Date.now().toString(36)}`);
  await expect(page.getByTestId("sign-out")).toBeVisible();
  for (const path of ["/get-number", "/numbers", "/wallet", "/support", "/account", "/policies", "/"]) {
    await page.goto(path);
    await hydrated(page);
    await expect(page.getByTestId("sign-out")).toBeVisible();
  }
  // Client-side navigation after hydration works too.
  await page.getByRole("link", { name: "Wallet" }).first().click();
  await expect(page).toHaveURL(/\/wallet$/);
  await expect(page.getByTestId("balance")).toBeVisible();
  expect(problems).toEqual([]);
});

// `hydrated` waits for the mark the WASM entry sets once hydration is done,
// which a page whose hydration failed never gets.
test("every admin page and a ticket's pages hydrate without errors", async ({ page, browser }) => {
  const stamp = Date.now().toString(36);
  const problems = collectProblems(page);
  await signUpVerified(page, `hydt_${stamp}`);
  const publicId = (await page.getByTestId("public-id").first().textContent())!.trim();
  await page.goto("/support");
  await hydrated(page);
  await page.getByLabel("Subject").fill(`Hydration ${stamp}`);
  await page.getByLabel("Message").fill("Checking the ticket page.");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page).toHaveURL(/\/support\/\d+$/);
  const ticket = new URL(page.url()).pathname.split("/").pop();
  await page.reload();
  await hydrated(page);

  const admin = `hyda_${stamp}`;
  createAdmin(admin);
  const context = await browser.newContext();
  const adminTab = await context.newPage();
  const adminProblems = collectProblems(adminTab);
  await signIn(adminTab, admin);
  for (const path of [
    "/admin",
    "/admin/users",
    `/admin/users/${publicId}`,
    "/admin/wallets",
    "/admin/catalogue",
    "/admin/supply",
    "/admin/support",
    `/admin/support/${ticket}`,
    "/admin/audit",
    "/admin/security",
  ]) {
    await adminTab.goto(path);
    await hydrated(adminTab);
  }
  await context.close();
  expect([...problems, ...adminProblems]).toEqual([]);
});

// Pages drawn in the browser after a link click (not hydrated from the
// server's HTML) load their WASM chunk and data on their own.
test("client-side navigation reaches every page of the main and admin menus without errors", async ({ page }) => {
  const problems = collectProblems(page);
  const admin = `nav_${Date.now().toString(36)}`;
  createAdmin(admin);
  await signIn(page, admin);
  const main = page.getByRole("navigation", { name: "Main" });
  for (const [link, url, heading] of [
    ["Get Number", /\/get-number$/, "Get a number"],
    ["Your numbers", /\/numbers$/, "Your numbers"],
    ["Wallet", /\/wallet$/, "Wallet"],
    ["Policies", /\/policies$/, "Policies"],
    ["Support", /\/support$/, "Support"],
    ["Account", /\/account$/, "Account"],
    ["Admin", /\/admin$/, "Dashboard"],
  ] as const) {
    await main.getByRole("link", { name: link, exact: true }).click();
    await expect(page).toHaveURL(url);
    await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
    // The menu marks the page shown, and only that one.
    await expect(main.locator('[aria-current="page"]')).toHaveText(link);
  }
  const menu = page.getByRole("navigation", { name: "Admin" });
  for (const [link, url] of [
    ["Users", /\/admin\/users$/],
    ["Wallets", /\/admin\/wallets$/],
    ["Platforms", /\/admin\/catalogue$/],
    ["Numbers & SMS", /\/admin\/supply$/],
    ["Support", /\/admin\/support$/],
    ["Audit log", /\/admin\/audit$/],
    ["Security log", /\/admin\/security$/],
    ["Dashboard", /\/admin$/],
  ] as const) {
    // Its name may end in a count other tests left (a badge).
    await menu.getByRole("link", { name: new RegExp(`^${link}`) }).click();
    await expect(page).toHaveURL(url);
    await expect(page.locator("main h1, main h2").first()).toBeVisible();
    await expect(menu.locator('[aria-current="page"]')).toHaveCount(1);
    await expect(menu.locator('[aria-current="page"]')).toHaveText(new RegExp(`^${link}`));
    await expect(main.locator('[aria-current="page"]')).toHaveText("Admin");
  }
  // A page under a menu entry keeps the main menu's entry marked; the
  // admin menu marks only its own pages (the dashboard is not every admin
  // page's parent, nor the user list a user's page).
  await menu.getByRole("link", { name: /^Users/ }).click();
  await page.locator('main a[href^="/admin/users/UN-"]').first().click();
  await expect(page).toHaveURL(/\/admin\/users\/UN-/);
  await expect(main.locator('[aria-current="page"]')).toHaveText("Admin");
  await expect(menu.locator('[aria-current="page"]')).toHaveCount(0);
  expect(problems).toEqual([]);
});

// A page group's code (its WASM chunk) may fail to load: the network drops,
// or the site was updated since the page was loaded (wasm-split refuses a
// chunk of another build). A link followed in the app then loads the page
// in full from the server; a page whose code cannot load stays as the
// server drew it (its forms post without scripts). Never a panic.
test("a page whose code cannot load is loaded in full, then stays as the server drew it", async ({ page }) => {
  const panics: string[] = [];
  page.on("pageerror", (e) => {
    // The failure this test makes: wasm-split's loader may report the
    // aborted fetch as an unhandled rejection before it awaits it.
    if (e.message !== "Failed to fetch") panics.push(`pageerror: ${e.message}`);
  });
  page.on("console", (m) => {
    if (/panicked/.test(m.text())) panics.push(m.text());
  });
  await signUpVerified(page, `chunk_${Date.now().toString(36)}`);
  const wallet = /\/pkg\/split_customer[^/]*\.wasm$/;
  await page.route(wallet, (route) => route.abort());
  const fullLoad = page.waitForRequest((r) => r.isNavigationRequest() && new URL(r.url()).pathname === "/wallet");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Wallet", exact: true }).click();
  await fullLoad;
  await expect(page).toHaveURL(/\/wallet$/);
  await expect(page.getByTestId("balance")).toHaveText("$0.00");
  await expect(page.locator("html")).toHaveAttribute("data-page-code", "missing");
  await expect(page.locator("html")).not.toHaveAttribute("data-hydrated", "");
  expect(panics).toEqual([]);
  // One history entry for the page, as for any link: Back leads to the page
  // the link was on, whole.
  await page.goBack();
  await expect(page).toHaveURL(/\/account$/);
  await hydrated(page);
  // Once the code can load again, the page comes alive as usual.
  await page.unroute(wallet);
  await page.goForward();
  await expect(page).toHaveURL(/\/wallet$/);
  await hydrated(page);
  expect(panics).toEqual([]);
});
