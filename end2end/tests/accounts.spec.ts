import { expect, test } from "@playwright/test";
import { authenticatorCode, collectProblems, fundedCustomer, hydrated, mailedCode, PASSWORD, sidewaysScroll, signUpVerified, submitSignIn, turnOnTwoStep } from "./helpers";

test("the live hint knows the common passwords, fetched only by the pages that set a password", async ({ page }) => {
  const lists: string[] = [];
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === "/common-passwords.txt") lists.push(page.url());
  });
  await page.goto("/sign-in");
  await hydrated(page);
  await page.goto("/policies");
  await hydrated(page);
  expect(lists, "signing in needs no list").toEqual([]);

  const list = page.waitForResponse((r) => new URL(r.url()).pathname === "/common-passwords.txt");
  await page.goto("/sign-up");
  await hydrated(page);
  expect((await list).ok()).toBe(true);
  await page.getByLabel("Password").fill("Correct Horse Battery Staple".replaceAll(" ", ""));
  await expect(page.getByText("This password is too common")).toBeVisible();
  await page.getByLabel("Password").fill(PASSWORD);
  await expect(page.getByText("This password is too common")).toBeHidden();
});

test("sign up, verify the email, see this device, and sign it out from another browser", async ({ page, browser }) => {
  const stamp = Date.now().toString(36);
  const email = `e2e-${stamp}@example.com`;
  const username = `e2e_${stamp}`;

  await page.goto("/sign-up");
  await hydrated(page);
  // The shared rules show inline before submitting.
  await page.getByLabel("Password").fill("too short");
  await expect(page.getByText("Use at least 15 characters")).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await expect(page.getByText("Use at least 15 characters")).toBeHidden();
  await page.getByLabel(/18 or older/).check();
  await page.getByRole("button", { name: "Create account" }).click();

  await expect(page).toHaveURL(/\/verify-email$/);
  await expect(page.getByTestId("verify-email-address")).toHaveText(email);
  const code = await mailedCode(email);
  await page.getByLabel("Code").fill(code);
  await page.getByRole("button", { name: "Verify" }).click();

  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId("account-email")).toHaveText(email);
  await expect(page.getByText("verified", { exact: true })).toBeVisible();
  await expect(page.getByTestId("public-id")).toHaveText(/^UN-[2-9A-HJ-NP-Z]{6}$/);
  await expect(page.getByTestId("device-row")).toHaveCount(1);
  await expect(page.getByTestId("device-row")).toContainText("this device");

  // Sign out, then back in.
  await page.getByTestId("sign-out").click();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sign in" })).toBeVisible();
  await page.goto("/sign-in");
  await hydrated(page);
  await page.getByLabel("Email or username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId("device-row")).toHaveCount(1);

  // A second browser, on a phone, signs in and signs the first one out.
  const other = await browser.newContext({ viewport: { width: 320, height: 640 } });
  const second = await other.newPage();
  await second.goto("/sign-in");
  await hydrated(second);
  await second.getByLabel("Email or username").fill(email);
  await second.getByLabel("Password").fill(PASSWORD);
  await second.getByRole("button", { name: "Sign in" }).click();
  await expect(second).toHaveURL(/\/account$/);
  const rows = second.getByTestId("device-row");
  await expect(rows).toHaveCount(2);
  // There each device is a block of labelled lines, not columns scrolling sideways.
  expect(await sidewaysScroll(second.getByRole("region", { name: "Devices" }))).toBe(0);
  await rows.filter({ hasNotText: "this device" }).getByRole("button", { name: "Sign out" }).click();
  await expect(rows).toHaveCount(1);

  await page.reload();
  await expect(page.getByText("Sign in to see your account.")).toBeVisible();
  await other.close();
});

test("a customer moves the account to another email with the code mailed there", async ({ page }) => {
  const stamp = Date.now().toString(36);
  const username = `move_${stamp}`;
  const newEmail = `moved_${stamp}@example.com`;
  await signUpVerified(page, username);
  const change = page.locator("#change-email");
  await change.getByLabel("New email").fill(newEmail.toUpperCase());
  await change.getByLabel("Your password").fill("not the password at all");
  await change.getByRole("button", { name: "Send code" }).click();
  await expect(change.getByRole("alert")).toHaveText("Your password is not right.");
  await change.getByLabel("Your password").fill(PASSWORD);
  await change.getByRole("button", { name: "Send code" }).click();
  await expect(change.getByTestId("email-change-address")).toHaveText(newEmail);
  // The email stays until the code comes back; the focus waits in its field.
  await expect(page.getByTestId("account-email")).toHaveText(`${username}@example.com`);
  await expect(change.getByLabel("Code")).toBeFocused();
  // A reload (a phone dropping the tab while its owner reads the mail) keeps the step.
  await page.reload();
  await hydrated(page);
  await expect(change.getByTestId("email-change-address")).toHaveText(newEmail);
  await change.getByLabel("Code").focus();
  const code = await mailedCode(newEmail, "email change code is");
  await page.keyboard.type(code);
  await page.keyboard.press("Enter");
  await expect(change.getByRole("status")).toHaveText(`Your email is now ${newEmail}.`);
  await expect(page.getByTestId("account-email")).toHaveText(newEmail);
  await page.reload();
  await expect(page.getByTestId("account-email")).toHaveText(newEmail);
  await expect(page.getByText("verified", { exact: true })).toBeVisible();
  await expect(page.getByRole("row", { name: /Email changed/ })).toBeVisible();
});

test("an email change given up stays given up after a reload", async ({ page }) => {
  await signUpVerified(page, `giveup_${Date.now().toString(36)}`);
  const change = page.locator("#change-email");
  await change.getByLabel("New email").fill(`typo_${Date.now().toString(36)}@exmaple.com`);
  await change.getByLabel("Your password").fill(PASSWORD);
  await change.getByRole("button", { name: "Send code" }).click();
  await expect(change.getByTestId("email-change-address")).toBeVisible();
  const ended = page.waitForResponse((r) => r.url().endsWith("/api/abandon_email_change") && r.ok());
  await change.getByRole("button", { name: "Use another address" }).click();
  await expect(change.getByLabel("New email")).toBeVisible();
  await ended;
  await page.reload();
  await hydrated(page);
  await expect(change.getByLabel("New email")).toBeVisible();
  await expect(change.getByTestId("email-change-address")).toHaveCount(0);
});

test("two-step sign-in: set up with the key, asked after the password, turned off with a recovery code", async ({ page, browser }) => {
  const username = `twostep_${Date.now().toString(36)}`;
  await signUpVerified(page, username);
  const section = page.locator("#two-step");
  const { key, recovery } = await turnOnTwoStep(page);
  await page.reload();
  await hydrated(page);
  await expect(section.getByText("on", { exact: true })).toBeVisible();
  await expect(section.getByTestId("recovery-codes")).toHaveCount(0);

  // Another browser: the password, then the code the server asks for.
  const other = await (await browser.newContext()).newPage();
  await submitSignIn(other, username);
  await expect(other.getByRole("alert")).toHaveText(/code from your authenticator app/);
  await expect(other.getByLabel("Two-step code")).toBeFocused();
  // The code that turned it on was spent; the app's next one is good.
  await other.keyboard.type(authenticatorCode(key, Date.now() + 30_000));
  await other.keyboard.press("Enter");
  await expect(other).toHaveURL(/\/account$/);
  await other.context().close();

  await section.locator("#two-step-off-password").fill(PASSWORD);
  await section.getByLabel("Code from the app, or a recovery code").fill(recovery.toLowerCase());
  await section.getByRole("button", { name: "Turn off two-step sign-in" }).click();
  await expect(section.getByRole("status")).toHaveText(/Two-step sign-in is off/);
  await expect(section.getByRole("button", { name: "Set up two-step sign-in" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("row", { name: /Two-step sign-in turned off/ })).toBeVisible();
});

test("forgot password: the emailed code sets a new one, the old one stops working, every device is out", async ({ page, browser }) => {
  const stamp = Date.now().toString(36);
  const username = `reset_${stamp}`;
  const email = `${username}@example.com`;
  const newPassword = "seven green herons fold maps";
  await signUpVerified(page, username);

  const other = await browser.newContext();
  const tab = await other.newPage();
  await tab.goto("/sign-in");
  await hydrated(tab);
  await tab.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(tab).toHaveURL(/\/reset-password$/);
  await hydrated(tab);
  await tab.getByLabel("Email").fill(email);
  await tab.getByRole("button", { name: "Email me a code" }).click();
  await expect(tab.getByTestId("reset-sent")).toBeVisible();
  // The verification mail came first; this one says what it is for.
  const code = await mailedCode(email, "password reset code is");
  // The shared password rules answer before submitting.
  await tab.getByLabel("New password").fill("short");
  await expect(tab.getByText("Use at least 15 characters")).toBeVisible();
  await tab.getByLabel("Code").fill(code);
  await tab.getByLabel("New password").fill(newPassword);
  await tab.getByRole("button", { name: "Set the new password" }).click();
  await expect(tab).toHaveURL(/\/sign-in\?reset=1$/);
  await expect(tab.getByText("Your password is set.")).toBeVisible();

  // The first browser was signed out.
  await page.goto("/account");
  await expect(page.getByText("Sign in to see your account.")).toBeVisible();
  // The old password fails, the new one works.
  await hydrated(tab);
  await tab.getByLabel("Email or username").fill(username);
  await tab.getByLabel("Password").fill(PASSWORD);
  await tab.getByRole("button", { name: "Sign in" }).click();
  await expect(tab.getByRole("alert")).toBeVisible();
  await expect(tab).toHaveURL(/\/sign-in/);
  await tab.getByLabel("Password").fill(newPassword);
  await tab.getByRole("button", { name: "Sign in" }).click();
  await expect(tab).toHaveURL(/\/account$/);
  await other.close();
});

test("an API key is shown once, answers the reseller API, and stops working when revoked", async ({ page, request }) => {
  const stamp = Date.now().toString(36);
  await signUpVerified(page, `keys_${stamp}`);
  await hydrated(page);
  await expect(page.getByTestId("api-keys")).toContainText("No keys yet.");
  await page.getByLabel("Name", { exact: true }).fill("my bot");
  await page.locator("#api-keys").getByLabel("Your password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create key" }).click();
  const shown = page.getByTestId("new-api-key");
  await expect(shown).toContainText("it is not shown again");
  const key = (await shown.locator("code").first().textContent())!.trim();
  // The form empties: the password does not stay typed in.
  await expect(page.locator("#api-keys").getByLabel("Your password")).toHaveValue("");
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("");
  expect(key.length).toBeGreaterThan(20);
  const row = page.getByTestId("api-keys").getByRole("row").filter({ hasText: "my bot" });
  await expect(row).toBeVisible();
  await expect(row).not.toContainText(key);

  const balance = async () => (await request.get(`/stubs/handler_api.php?api_key=${key}&action=getBalance`)).text();
  expect(await balance()).toBe("ACCESS_BALANCE:0.00");
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row).toContainText("revoked");
  expect(await balance()).toBe("BAD_KEY");
  // Reloaded, the key is gone from the page.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("new-api-key")).toHaveCount(0);
  await expect(page.locator("body")).not.toContainText(key);
});

test("a customer deletes the account: money left in the wallet must be given up first; then the sign-in is refused", async ({ page, browser }) => {
  await fundedCustomer(page, browser, "leaver", "2.50");
  const username = (await page.getByTestId("account-username").textContent())!.trim();
  await page.reload();
  await hydrated(page);
  const deleteIt = async () => {
    await page.locator("#delete-password").fill(PASSWORD);
    await page.getByLabel("I want to delete my account.").check();
    await page.getByRole("button", { name: "Delete my account" }).click();
  };
  await deleteIt();
  await expect(page.getByText("Your wallet still holds $2.50.", { exact: false })).toBeVisible();
  await expect(page.getByTestId("account-username")).toHaveText(username);

  await page.getByLabel("If my wallet still holds money, I give it up.").check();
  await deleteIt();
  await expect(page).toHaveURL(/\/$/);
  await submitSignIn(page, username);
  await expect(page.getByText("Wrong email, username or password.")).toBeVisible();
});

test("forms work before the scripts: with JavaScript off a customer signs in (told a wrong password) and opens a ticket", async ({ page, browser }) => {
  const username = `nojs_${Date.now().toString(36)}`;
  await signUpVerified(page, username);

  const context = await browser.newContext({ javaScriptEnabled: false });
  const plain = await context.newPage();
  const octet = () => 1 + Math.floor(Math.random() * 254);
  await plain.setExtraHTTPHeaders({ "x-forwarded-for": `10.${octet()}.${octet()}.${octet()}` });

  // The form posts to the server function, which sends the browser back
  // with the error for the page to show.
  await plain.goto("/sign-in");
  await plain.getByLabel("Email or username").fill(username);
  await plain.getByLabel("Password").fill("not the password at all");
  await plain.getByRole("button", { name: "Sign in" }).click();
  await expect(plain).toHaveURL(/\/sign-in/);
  await expect(plain.getByTestId("form-error")).toHaveText("Wrong email, username or password.");

  // The error travels in the address; a browser with scripts reads it
  // back (its own base64 decoding) and hydrates the page showing it.
  const scripted = await browser.newPage();
  const problems = collectProblems(scripted);
  await scripted.goto(plain.url());
  await hydrated(scripted);
  await expect(scripted.getByTestId("form-error")).toHaveText("Wrong email, username or password.");
  expect(problems).toEqual([]);
  await scripted.close();

  await plain.getByLabel("Email or username").fill(username);
  await plain.getByLabel("Password").fill(PASSWORD);
  await plain.getByRole("button", { name: "Sign in" }).click();
  await expect(plain).toHaveURL(/\/account$/);
  await expect(plain.getByTestId("account-email")).toHaveText(`${username}@example.com`);

  await plain.goto("/support");
  await plain.getByLabel("Subject").fill("Written without scripts");
  await plain.getByLabel("Message").fill("Does this arrive?");
  await plain.getByRole("button", { name: "Send" }).click();
  await plain.goto("/support");
  await expect(plain.getByTestId("tickets")).toContainText("Written without scripts");
  await context.close();
});
