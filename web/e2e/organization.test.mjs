// A new organisation end to end: sign-up, teams, the permission matrix, a password reset through
// the outbox, and an MFA requirement that forces enrolment at the next sign-in. Plus role-aware
// navigation for a demo role and the settings screens at phone size.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  assertNoHorizontalScroll,
  baseUrl,
  currentStep,
  DEMO_PASSWORD,
  demoLogin,
  expectedError,
  launchBrowser,
  openPage,
  PHONE,
  screenshot,
  signIn,
  submitPassword,
  totpAt,
  uniqueEmail,
  userMenu,
} from "./support.mjs";

let browser;
const founderEmail = uniqueEmail("founder");
let founderPassword = "Copper-meadow-violin-77";
const organizationName = `Harbour Clinics ${Date.now().toString(36)}`;
let founderSecret;

describe("a new organisation", { concurrency: false }, () => {
  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  test("signs up, creates a team and edits the permission matrix", async () => {
    // A common password is refused by the server (400), on purpose.
    const { page, problems, close } = await openPage(browser, { expected: expectedError(400, "/api/v1/auth/sign-up") });
    try {
      await page.goto(`${baseUrl}/sign-in`);
      await page.getByRole("link", { name: "Create an organisation" }).click();
      await page.getByRole("heading", { level: 1, name: "Create your organisation" }).waitFor();
      await page.getByLabel("Organisation name").fill(organizationName);
      await page.getByLabel("Your name").fill("Olga Owner");
      await page.getByLabel("Work e-mail").fill(founderEmail);
      await page.getByLabel("Password").fill("password1234");
      await page.getByRole("button", { name: "Create organisation" }).click();
      await page.locator("[data-field-error]").filter({ hasText: /common/ }).waitFor();
      await screenshot(page, "sign-up-error");
      await page.getByLabel("Password").fill(founderPassword);
      await page.getByRole("button", { name: "Create organisation" }).click();
      await page.getByRole("heading", { level: 1, name: "Welcome, Olga" }).waitFor();
      await page.getByText(`${organizationName} · Admin`).waitFor();

      // Teams
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
      await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Teams" }).click();
      await page.getByText("No teams yet").waitFor();
      await page.getByRole("button", { name: "New team" }).click();
      const dialog = page.getByRole("dialog", { name: "New team" });
      await dialog.getByLabel("Team name").fill("North clinic");
      await dialog.getByRole("checkbox").first().check();
      await dialog.getByRole("button", { name: "Create team" }).click();
      await page.locator('[data-team="North clinic"]').getByText("Olga Owner").waitFor();
      await screenshot(page, "settings-teams");

      // Permission matrix: give Sales "create teams", see it saved, then reset to the defaults.
      await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Roles & permissions" }).click();
      await page.getByRole("tab", { name: "Sales" }).click();
      const cell = page.locator('[data-cell="teams:create"]');
      assert.equal(await cell.inputValue(), "none");
      await cell.selectOption("all");
      await page.getByText("1 unsaved change").waitFor();
      await page.getByRole("button", { name: "Save changes" }).click();
      await page.getByText("No unsaved changes").waitFor();
      await page.reload();
      await page.getByRole("tab", { name: "Sales" }).click();
      assert.equal(await page.locator('[data-cell="teams:create"]').inputValue(), "all");
      await page.getByText("1 permission differs from the defaults for Sales.").waitFor();
      await screenshot(page, "settings-roles");
      await page.getByRole("button", { name: "Reset to defaults" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Reset to defaults" }).click();
      await page.getByText("Sales uses the default permissions.").waitFor();
      assert.equal(await page.locator('[data-cell="teams:create"]').inputValue(), "none");
      // The admin role is shown, not editable.
      await page.getByRole("tab", { name: "Admin" }).click();
      assert.equal(await page.locator('[data-cell="teams:create"]').isDisabled(), true);
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("resets the password with the e-mailed link, which ends every session", async () => {
    // The old session's refresh is refused once the password changed (401), on purpose.
    const signedIn = await openPage(browser, { expected: expectedError(401, "/api/v1/auth/refresh") });
    const visitor = await openPage(browser);
    try {
      await signIn(signedIn.page, founderEmail, founderPassword);

      await visitor.page.goto(`${baseUrl}/sign-in`);
      await visitor.page.getByRole("link", { name: "Forgot password?" }).click();
      await visitor.page.getByLabel("E-mail").fill(founderEmail);
      await visitor.page.getByRole("button", { name: "Send reset link" }).click();
      await visitor.page.getByRole("heading", { level: 1, name: "Check your e-mail" }).waitFor();

      await signedIn.page.goto(`${baseUrl}/settings/outbox`);
      const email = signedIn.page.locator("[data-email-to]").filter({ hasText: "Reset your CliniGlobal CRM password" }).first();
      await email.getByRole("button").click();
      const href = await email.locator("[data-email-body] a").first().getAttribute("href");
      const token = new URL(href ?? "").searchParams.get("token");
      assert.match(token ?? "", /^pr_/);

      founderPassword = "Granite-orchard-kettle-19";
      await visitor.page.goto(`${baseUrl}/reset-password?token=${encodeURIComponent(token)}`);
      await visitor.page.getByLabel("New password", { exact: true }).fill(founderPassword);
      await visitor.page.getByLabel("Repeat the new password").fill("Granite-orchard-kettle-18");
      await visitor.page.getByRole("button", { name: "Set new password" }).click();
      await visitor.page.locator("[data-field-error]").filter({ hasText: "differ" }).waitFor();
      await visitor.page.getByLabel("Repeat the new password").fill(founderPassword);
      await visitor.page.getByRole("button", { name: "Set new password" }).click();
      await visitor.page.getByRole("heading", { level: 1, name: "Password changed" }).waitFor();
      await visitor.page.getByRole("link", { name: "Sign in" }).click();
      await signIn(visitor.page, founderEmail, founderPassword);

      await signedIn.page.reload();
      await signedIn.page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
      assert.deepEqual(signedIn.problems, []);
      assert.deepEqual(visitor.problems, []);
    } finally {
      await signedIn.close();
      await visitor.close();
    }
  });

  test("requires MFA for admins, and the next sign-in enrols before anything else", async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, founderEmail, founderPassword);
      await page.goto(`${baseUrl}/settings/security`);
      await page.getByRole("heading", { level: 2, name: "Require two-step verification" }).waitFor();
      await page.getByRole("checkbox", { name: "Admin" }).check();
      await page.getByText(/1 member in these roles has no MFA yet: Olga Owner/).waitFor();
      await page.getByRole("button", { name: "Save policy" }).click();
      await page.getByText("The MFA policy was saved.").waitFor();
      await screenshot(page, "settings-security");
      await userMenu(page, "Sign out");
      // Wait for the sign-out to land: leaving the page earlier would drop its cookie-clearing answer.
      await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();

      await submitPassword(page, founderEmail, founderPassword);
      await page.waitForURL(/\/setup-mfa/);
      await page.getByRole("heading", { level: 1, name: "Set up two-step verification" }).waitFor();
      const secret = await page.locator("[data-totp-secret]").getAttribute("data-totp-secret");
      await screenshot(page, "setup-mfa-required");
      // Nothing else is reachable until enrolment is done.
      await page.goto(`${baseUrl}/settings/members`);
      await page.waitForURL(/\/setup-mfa/);
      const secretAfter = await page.locator("[data-totp-secret]").getAttribute("data-totp-secret");
      founderSecret = secretAfter ?? secret;
      await page.getByLabel("Authentication code").fill(totpAt(secretAfter ?? secret, currentStep()));
      await page.getByRole("button", { name: "Turn on MFA" }).click();
      await page.locator("[data-recovery-codes] li").nth(9).waitFor();
      await page.getByRole("button", { name: "I saved them, continue" }).click();
      await page.waitForURL(`${baseUrl}/settings/members`);
      await page.locator(`[data-member="${founderEmail}"]`).getByText("MFA on").waitFor();

      // Required by the organisation: it cannot be switched off.
      await page.goto(`${baseUrl}/account/security`);
      await page.getByText("Your organisation requires MFA for your role").waitFor();
      assert.equal(await page.getByRole("button", { name: "Turn off MFA" }).count(), 0);
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("manages feature flags and API keys, and finds both in the audit log", async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      // The founder has MFA now: password, then the next time step's code (codes never work twice).
      await submitPassword(page, founderEmail, founderPassword);
      await page.getByLabel("Authentication code").fill(totpAt(founderSecret, currentStep() + 1));
      await page.getByRole("button", { name: "Verify" }).click();
      await page.getByRole("heading", { level: 1, name: "Welcome, Olga" }).waitFor();

      await page.goto(`${baseUrl}/settings/flags`);
      const row = page.locator("[data-flag-row]").first();
      await row.waitFor();
      const key = await row.getAttribute("data-flag-row");
      const salesSelect = row.locator(`[data-flag="${key}:sales"]`);
      const target = (await row.getByText("On for the organisation").count()) > 0 ? "off" : "on";
      await salesSelect.selectOption(target);
      await page.getByText(`${key} saved.`).waitFor();
      await page.reload();
      assert.equal(await page.locator(`[data-flag="${key}:sales"]`).inputValue(), target);
      await screenshot(page, "settings-flags");
      await page.locator(`[data-flag="${key}:sales"]`).selectOption("inherit");
      await page.getByText(`${key} saved.`).first().waitFor();

      await page.goto(`${baseUrl}/settings/api-keys`);
      await page.getByRole("button", { name: "New API key" }).click();
      const dialog = page.getByRole("dialog", { name: "New API key" });
      await dialog.getByLabel("Name").fill("Website forms");
      await dialog.getByRole("button", { name: "Create key" }).click();
      await dialog.getByText("Choose at least one permission.").waitFor();
      await dialog.getByRole("checkbox", { name: "Members: read" }).check();
      await dialog.getByRole("button", { name: "Create key" }).click();
      const token = await page.locator("[data-api-key-token]").textContent();
      assert.ok(token && token.length > 20, "the new key is shown once");
      await screenshot(page, "settings-api-key-created", { fullPage: false });
      await page.getByRole("button", { name: "Done" }).click();

      // The key works against the API, with exactly the permission it was given.
      const members = await fetch(`${baseUrl}/api/v1/users`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(members.status, 200);
      const teams = await fetch(`${baseUrl}/api/v1/invitations`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(teams.status, 403);

      const keyRow = page.locator('[data-api-key="Website forms"]');
      await keyRow.getByRole("button", { name: /^Revoke/ }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
      await keyRow.getByText("revoked").waitFor();
      const revoked = await fetch(`${baseUrl}/api/v1/users`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(revoked.status, 401);

      await page.goto(`${baseUrl}/settings/audit`);
      await page.locator("[data-audit-action]").first().waitFor();
      await page.getByLabel("Action").fill("api_key.*");
      await page.getByRole("button", { name: "Apply filters" }).click();
      await page.locator('[data-audit-action^="api_key."]').first().waitFor();
      const actions = await page.locator("[data-audit-action]").evaluateAll((rows) => rows.map((r) => r.dataset.auditAction));
      assert.ok(actions.length > 0 && actions.every((a) => a?.startsWith("api_key.")), `filtered actions: ${actions}`);
      await page.locator("[data-audit-action]").first().getByRole("button").click();
      await screenshot(page, "settings-audit");
      const download = page.waitForEvent("download");
      await page.getByRole("button", { name: "Export CSV" }).click();
      const csv = await download;
      assert.match(csv.suggestedFilename(), /^audit-events-.*\.csv$/);
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("someone in two organisations joins the second with their password and switches between them", async () => {
    const api = (path, init = {}) =>
      fetch(`${baseUrl}/api/v1${path}`, { ...init, headers: { "Content-Type": "application/json", ...init.headers } });
    const email = uniqueEmail("two-orgs");
    const password = "Lantern-quarry-fig-53";
    const ownOrg = `Second Clinic ${Date.now().toString(36)}`;
    const signUp = await api("/auth/sign-up", {
      method: "POST",
      body: JSON.stringify({ organization_name: ownOrg, full_name: "Tess Two", email, password }),
    });
    assert.equal(signUp.status, 201);
    const admin = await (
      await api("/auth/sign-in", { method: "POST", body: JSON.stringify({ email: demoLogin("admin"), password: DEMO_PASSWORD }) })
    ).json();
    const headers = { Authorization: `Bearer ${admin.access_token}` };
    assert.equal((await api("/invitations", { method: "POST", headers, body: JSON.stringify({ email, role: "marketing" }) })).status, 201);
    const outbox = await (await api("/outbox/emails?limit=20", { headers })).json();
    const link = /token=(\S+)/.exec(outbox.items.find((m) => m.to_address === email).text_body);

    const { page, problems, close } = await openPage(browser);
    try {
      await page.goto(`${baseUrl}/accept-invitation?token=${link[1]}`);
      // The invitation preview knows this e-mail has an account: the password form comes first.
      await page.getByRole("button", { name: "I'm new to CliniGlobal" }).waitFor();
      await page.getByLabel("Your password").fill(password);
      await page.getByRole("button", { name: "Accept invitation" }).click();
      await page.getByText("Northwind Clinics (demo) · Marketing").waitFor();
      const nav = page.getByRole("navigation", { name: "Main" });
      const links = await nav.getByRole("link").allTextContents();
      // Marketing reads all four record lists (shown per read permission) but has no settings area.
      for (const area of ["Home", "Contacts", "Companies", "Leads", "Deals"]) assert.ok(links.includes(area), `${area} missing from ${links}`);
      assert.ok(!links.includes("Settings"), `Settings shown to Sales: ${links}`);

      await page.getByRole("button", { name: /Switch organisation/ }).click();
      await screenshot(page, "organization-switcher", { fullPage: false });
      await page.getByRole("menuitemradio", { name: new RegExp(ownOrg) }).click();
      await page.getByText(`${ownOrg} · Admin`).waitFor();
      await nav.getByRole("link", { name: "Settings" }).waitFor();
      await page.goto(`${baseUrl}/settings/members`);
      await page.locator(`[data-member="${email}"]`).waitFor();
      assert.equal(await page.locator("[data-member]").count(), 1, "only the second organisation's members");

      await page.getByRole("button", { name: /Switch organisation/ }).click();
      await page.getByRole("menuitemradio", { name: /Northwind Clinics/ }).click();
      await page.getByText("Northwind Clinics (demo) · Marketing").waitFor();
      assert.equal(await nav.getByRole("link", { name: "Settings" }).count(), 0);
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("navigation is role-aware: a Sales user has no settings area", async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, demoLogin("sales"));
      const nav = page.getByRole("navigation", { name: "Main" });
      await nav.getByRole("link", { name: "Home" }).waitFor();
      const links = await nav.getByRole("link").allTextContents();
      // Sales works records (the lists appear per read permission) but has no settings area.
      for (const area of ["Home", "Contacts", "Companies", "Leads", "Deals"]) assert.ok(links.includes(area), `${area} missing from ${links}`);
      assert.ok(!links.includes("Settings"), `Settings shown to Sales: ${links}`);
      await page.goto(`${baseUrl}/settings/members`);
      await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
      await page.goto(`${baseUrl}/account/profile`);
      await page.getByText("sales@demo.cliniglobal.example").first().waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("settings fit a 375px phone", async () => {
    const { page, problems, close } = await openPage(browser, { viewport: PHONE });
    try {
      await signIn(page, demoLogin("admin"));
      for (const path of ["members", "invitations", "roles", "teams", "security", "sign-ins", "outbox"]) {
        await page.goto(`${baseUrl}/settings/${path}`);
        await page.getByRole("heading", { level: 2 }).first().waitFor();
        await page.getByRole("status", { name: /Loading/ }).waitFor({ state: "detached" });
        await assertNoHorizontalScroll(page, `/settings/${path} at 375px`);
        if (path === "members" || path === "roles") await screenshot(page, `settings-${path}-375`);
      }
      await page.getByRole("button", { name: /^Account menu for / }).click();
      await page.getByRole("menuitem", { name: "Sign out everywhere" }).waitFor();
      await screenshot(page, "user-menu-375", { fullPage: false });
      await page.keyboard.press("Escape");
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });
});
