import { expect, test } from "@playwright/test";
import { hydrated, signUpVerified } from "./helpers";

// The page's data (site info, the viewer, resources) is sent along with
// the HTML and must match what the browser builds: a mismatch shows as a
// console error or a page error, and a dead page.
test("pages hydrate without errors, signed out and signed in", async ({ page }) => {
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`${page.url()} pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" || /hydrat/i.test(m.text())) problems.push(`${page.url()} ${m.type()}: ${m.text()}`);
  });
  for (const path of ["/", "/policies", "/sign-in", "/sign-up", "/docs/api", "/support", "/wallet"]) {
    await page.goto(path);
    await hydrated(page);
  }
  await signUpVerified(page, `hyd_${Date.now().toString(36)}`);
  await expect(page.getByTestId("sign-out")).toBeVisible();
  for (const path of ["/get-number", "/wallet", "/support", "/account", "/policies", "/"]) {
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
