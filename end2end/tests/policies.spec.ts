import { expect, test } from "@playwright/test";
import { hydrated } from "./helpers";

test("policies page is server-rendered, hydrates, and its table of contents follows the reader", async ({ page }) => {
  const response = await page.goto("/policies");
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle(/Policies/);
  await expect(page.getByRole("heading", { level: 1, name: "Policies" })).toBeVisible();
  await expect(page.getByTestId("last-updated")).toContainText("Last updated");
  for (const heading of ["Privacy", "Security", "Terms of service", "Refunds", "Wallet top-ups", "Contact"]) {
    await expect(page.getByRole("heading", { level: 2, name: heading })).toBeVisible();
  }
  // Operator values come from configuration.
  await expect(page.locator("#terms")).toContainText("20 minutes");
  await expect(page.locator("#privacy")).toContainText("24 hours");
  await expect(page.locator("#contact a[href^='https://wa.me/15550100100']")).toBeVisible();

  await hydrated(page);
  // A marker on window survives only if no page load happens.
  await page.evaluate(() => ((window as any).__noReload = true));

  const toc = page.getByRole("navigation", { name: "On this page" }).or(page.locator("aside.toc"));
  const refunds = toc.getByRole("link", { name: "Refunds" });
  await expect(refunds).not.toHaveClass(/active/);
  await refunds.click();
  await expect(refunds).toHaveClass(/active/);
  await expect(refunds).toHaveAttribute("aria-current", "true");

  // Scrolling by hand moves the active entry too.
  await page.locator("#privacy").scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.evaluate(() => document.getElementById("security")!.scrollIntoView());
  await expect(toc.getByRole("link", { name: "Security" })).toHaveClass(/active/);

  // The search card (meta description, Open Graph) comes with the server's
  // HTML and stays through hydration; a page reached in the app drops it,
  // so the head never describes a page the reader has left.
  const card = page.locator('head meta[name="description"], head meta[name^="twitter:"], head meta[property^="og:"]');
  await expect(page.locator('head meta[name="description"]')).toHaveAttribute("content", /How leases, refunds/);
  await expect(page.locator('head meta[property="og:title"]')).toHaveAttribute("content", /^Policies · /);
  await page.getByRole("link", { name: "Sign in", exact: true }).first().click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page).toHaveTitle(/^Sign in · /);
  await expect(card).toHaveCount(0);

  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
});

test("texts the server renders alone show when reached in the app, at the section a link names", async ({ page }) => {
  await page.goto("/sign-in");
  await hydrated(page);
  await page.evaluate(() => ((window as any).__noReload = true));
  const footer = page.getByRole("navigation", { name: "Policies" });
  await footer.getByRole("link", { name: "Refunds" }).click();
  await expect(page).toHaveURL(/\/policies#refunds$/);
  await expect(page.locator("#refunds")).toBeInViewport();
  await expect(page.locator("#terms")).toContainText("20 minutes");

  await footer.getByRole("link", { name: "API" }).click();
  await expect(page).toHaveURL(/\/docs\/api$/);
  await expect(page.getByRole("heading", { level: 2, name: "Endpoint" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Reseller API actions" })).toContainText("getBalance");
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
});

test("the mobile menu opens without a page load", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto("/policies");
  await hydrated(page);
  await page.evaluate(() => ((window as any).__noReload = true));
  const toggle = page.getByRole("button", { name: "Menu" });
  await expect(toggle).toHaveAttribute("aria-expanded", "false");
  await expect(page.locator("#site-nav")).toBeHidden();
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-expanded", "true");
  await expect(page.locator("#site-nav").getByRole("link", { name: "Wallet" })).toBeVisible();
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
});

test("on a wide screen the footer's links keep one line and no link breaks across two", async ({ page }) => {
  for (const width of [1280, 1024, 800]) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto("/policies");
    const footer = page.locator("footer.site-footer");
    const tops = await footer.getByRole("navigation", { name: "Policies" }).getByRole("link").evaluateAll((links) =>
      links.map((a) => Math.round(a.getBoundingClientRect().top)),
    );
    expect(new Set(tops).size, `${width} px: the footer's links share one line`).toBe(1);
    // An inline link split over two lines has two boxes.
    for (const link of await footer.getByRole("link").all()) {
      expect(await link.evaluate((a) => a.getClientRects().length), `${width} px: ${await link.textContent()}`).toBe(1);
    }
  }
});

test("unknown addresses get the 404 page", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId("not-found")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await hydrated(page);
  await page.evaluate(() => ((window as any).__noReload = true));
  await page.getByRole("link", { name: "Read our policies" }).click();
  await expect(page).toHaveURL(/\/policies$/);
  // Reached in the app, the policies' text (rendered by the server only)
  // is asked for and shown, with the configured values.
  await expect(page.locator("#terms")).toContainText("20 minutes");
  await expect(page.locator("#contact a[href^='https://wa.me/15550100100']")).toBeVisible();
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
});

// The head names the page's WASM chunks, so the browser fetches them
// beside the main module instead of after it. leptos 0.8 left these links
// out of about a third of the pages (see vendor/README.md).
test("every server-rendered page preloads its WASM chunks", async ({ request }) => {
  for (let round = 0; round < 5; round++) {
    const pages = await Promise.all(
      Array.from({ length: 8 }, () => request.get("/sign-in").then((r) => r.text())),
    );
    for (const html of pages) {
      expect(html).toMatch(/<link[^>]*href="\/pkg\/split_public_[^"]*\.wasm"[^>]*rel="preload"/);
      expect(html).not.toContain("split_customer_");
    }
  }
});
