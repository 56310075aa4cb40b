// Identity end to end, against the real backend: the demo admin signs in and invites someone; the
// invitation e-mail is read in the outbox; the invitee accepts it in another browser, enrols in
// MFA, signs in again with a TOTP code and with a recovery code, and signs out everywhere.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  assertNoHorizontalScroll,
  baseUrl,
  currentStep,
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
const inviteeEmail = uniqueEmail("invitee");
const inviteePassword = "Quiet-harbour-lantern-42";
let invitationLink;
let recoveryCodes = [];
let inviteeSecret;

describe("identity: invitations, MFA and sessions", { concurrency: false }, () => {
  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  test("the demo admin signs in, sees settings, invites someone and reads the invitation in the outbox", async () => {
    // Inviting a member again is refused (409), on purpose.
    const { page, problems, close } = await openPage(browser, { expected: expectedError(409, "/api/v1/invitations") });
    try {
      await page.goto(`${baseUrl}/`);
      await page.waitForURL(/\/sign-in/);
      await screenshot(page, "sign-in");
      await signIn(page, demoLogin("admin"));
      await screenshot(page, "home-admin");

      // The session survives a reload: the access token lives in memory, the refresh cookie restores it.
      await page.reload();
      await page.getByRole("heading", { level: 1, name: "Welcome, Ada" }).waitFor();
      // …and never in web storage (the router keeps only scroll positions there).
      const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
      assert.doesNotMatch(stored, /eyJ[\w-]+\.[\w-]+\./, "no JWT in web storage");
      assert.doesNotMatch(stored, /rt_|access_token/, "no token in web storage");

      const nav = page.getByRole("navigation", { name: "Main" });
      await nav.getByRole("link", { name: "Settings" }).click();
      await page.waitForURL(`${baseUrl}/settings/members`);
      await page.locator(`[data-member="${demoLogin("sales")}"]`).waitFor();
      await screenshot(page, "settings-members");

      for (const [link, heading] of [
        ["Roles & permissions", "Roles & permissions"],
        ["Teams", "Teams"],
        ["Organisation security", "Require two-step verification"],
        ["Sign-ins & devices", "Sign-ins & devices"],
      ]) {
        await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: link }).click();
        await page.getByRole("heading", { level: 2, name: heading }).waitFor();
      }

      await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Invitations" }).click();
      await page.getByRole("heading", { level: 2, name: "Invite someone" }).waitFor();
      await page.getByLabel("E-mail").fill(inviteeEmail);
      await page.getByLabel("Role").selectOption("support");
      await page.getByRole("button", { name: "Send invitation" }).click();
      await page.getByText(`Invitation sent to ${inviteeEmail}.`, { exact: false }).first().waitFor();
      await page.locator(`[data-invitation="${inviteeEmail}"]`).waitFor();
      await screenshot(page, "settings-invitations");

      // Inviting the same address again is refused, next to the field.
      await page.getByLabel("E-mail").fill(demoLogin("sales"));
      await page.getByRole("button", { name: "Send invitation" }).click();
      await page.locator("[data-field-error]").filter({ hasText: /already a member/i }).waitFor();

      await page.getByRole("link", { name: "See it in the e-mail outbox" }).click();
      await page.waitForURL(`${baseUrl}/settings/outbox`);
      const email = page.locator(`[data-email-to="${inviteeEmail}"]`).first();
      await email.getByRole("button").click();
      const link = email.locator("[data-email-body] a").first();
      invitationLink = await link.getAttribute("href");
      assert.match(invitationLink ?? "", /\/accept-invitation\?token=inv_/);
      await screenshot(page, "settings-outbox");
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("the invitee accepts in another browser, sees no settings, and enrols in MFA with the QR code", async () => {
    assert.ok(invitationLink, "the previous test read the invitation");
    // A wrong first code is refused (400), on purpose.
    const { page, problems, close } = await openPage(browser, { expected: expectedError(400, "/api/v1/auth/mfa/totp/enable") });
    try {
      // The e-mail links to the server's public URL; open the same path on the server under test.
      const token = new URL(invitationLink).searchParams.get("token");
      await page.goto(`${baseUrl}/accept-invitation?token=${encodeURIComponent(token)}`);
      // The invitation preview names the organisation and the inviter.
      await page.getByRole("heading", { level: 1, name: /^Join / }).waitFor();
      await page.getByLabel("Your name").fill("Ivy Invitee");
      await page.getByLabel("Password", { exact: true }).fill("short");
      await page.getByLabel("Repeat the password").fill("short");
      await page.getByRole("button", { name: "Accept invitation" }).click();
      await page.locator("[data-field-error]").filter({ hasText: "at least 12" }).waitFor();

      await page.getByLabel("Password", { exact: true }).fill(inviteePassword);
      await page.getByLabel("Repeat the password").fill(inviteePassword);
      await page.getByRole("button", { name: "Accept invitation" }).click();
      await page.getByRole("heading", { level: 1, name: "Welcome, Ivy" }).waitFor();

      // Support may use no settings page: the area is absent, not disabled.
      const nav = page.getByRole("navigation", { name: "Main" });
      await nav.getByRole("link", { name: "Home" }).waitFor();
      assert.equal(await nav.getByRole("link", { name: "Settings" }).count(), 0);

      await userMenu(page, "Security & MFA");
      await page.getByRole("button", { name: "Set up MFA" }).click();
      const qr = page.getByRole("img", { name: /QR code/ });
      await qr.waitFor();
      assert.match((await qr.getAttribute("src")) ?? "", /^data:image\/svg\+xml/);
      const secret = await page.locator("[data-totp-secret]").getAttribute("data-totp-secret");
      assert.ok(secret);
      await screenshot(page, "mfa-enrolment");

      await page.getByLabel("Authentication code").fill("000000");
      await page.getByRole("button", { name: "Turn on MFA" }).click();
      const wrong = page.locator("[data-field-error]").filter({ hasText: /not valid/ });
      // 000000 could be the real code once in a million runs; then MFA is simply on.
      await Promise.race([wrong.waitFor(), page.locator("[data-recovery-codes]").waitFor()]);
      if (await wrong.isVisible()) {
        await page.getByLabel("Authentication code").fill(totpAt(secret, currentStep()));
        await page.getByRole("button", { name: "Turn on MFA" }).click();
      }
      const codes = page.locator("[data-recovery-codes] li");
      await codes.first().waitFor();
      recoveryCodes = await codes.allTextContents();
      assert.equal(recoveryCodes.length, 10);
      await screenshot(page, "mfa-recovery-codes");
      await page.getByRole("button", { name: "Done" }).click();
      await page.getByText("Your account asks for a code at every sign-in.").waitFor();

      inviteeSecret = secret;
      await userMenu(page, "Sign out");
      await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("the invitee signs in with a TOTP code and with a recovery code, then signs out everywhere", async () => {
    const secret = inviteeSecret;
    assert.ok(secret, "the previous test enrolled MFA");
    // After "sign out everywhere" the phone's refresh is refused (401), and a used recovery code
    // too: both are the point of the test.
    const phone = await openPage(browser, { viewport: PHONE, expected: expectedError(401, "/api/v1/auth/refresh") });
    const desktop = await openPage(browser, { expected: expectedError(401, "/api/v1/auth/mfa/verify") });
    try {
      // Phone: password, then a TOTP code. Enabling used this step's code and codes never work
      // twice, so use the next step's (the server accepts one step of clock skew).
      await submitPassword(phone.page, inviteeEmail, inviteePassword);
      await phone.page.getByRole("heading", { level: 1, name: "Two-step verification" }).waitFor();
      await phone.page.getByLabel("Authentication code").fill("123 45");
      await phone.page.getByRole("button", { name: "Verify" }).click();
      await phone.page.locator("[data-field-error]").filter({ hasText: "6-digit" }).waitFor();
      await screenshot(phone.page, "sign-in-mfa-375");
      await phone.page.getByLabel("Authentication code").fill(totpAt(secret, currentStep() + 1));
      await phone.page.getByRole("button", { name: "Verify" }).click();
      await phone.page.getByRole("heading", { level: 1, name: "Welcome, Ivy" }).waitFor();
      await assertNoHorizontalScroll(phone.page, "home at 375px");
      await phone.page.getByRole("button", { name: "Open navigation" }).click();
      await phone.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "System status" }).waitFor();
      await screenshot(phone.page, "home-375-nav");
      await phone.page.getByRole("button", { name: "Close navigation" }).click();

      // Desktop: password, then a recovery code (single use).
      await submitPassword(desktop.page, inviteeEmail, inviteePassword);
      await desktop.page.getByRole("button", { name: "Use a recovery code instead" }).click();
      await desktop.page.getByLabel("Recovery code").fill(recoveryCodes[0].toLowerCase());
      await desktop.page.getByRole("button", { name: "Verify" }).click();
      await desktop.page.getByRole("heading", { level: 1, name: "Welcome, Ivy" }).waitFor();

      await userMenu(desktop.page, "Sessions & devices");
      await desktop.page.getByRole("heading", { level: 2, name: "Sessions & devices" }).waitFor();
      const active = desktop.page.locator("[data-session]");
      await active.nth(1).waitFor();
      assert.ok((await active.count()) >= 2, "both browsers' sessions are listed");
      await desktop.page.getByText("This device").waitFor();
      await screenshot(desktop.page, "account-sessions");

      await desktop.page.getByRole("button", { name: "Sign out everywhere" }).click();
      const dialog = desktop.page.getByRole("dialog", { name: "Sign out everywhere?" });
      await dialog.getByRole("button", { name: "Sign out everywhere" }).click();
      await desktop.page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();

      // The phone's session ended too: its next visit lands on sign-in.
      await phone.page.reload();
      await phone.page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();

      // The recovery code worked once only.
      await submitPassword(desktop.page, inviteeEmail, inviteePassword);
      await desktop.page.getByRole("button", { name: "Use a recovery code instead" }).click();
      await desktop.page.getByLabel("Recovery code").fill(recoveryCodes[0]);
      await desktop.page.getByRole("button", { name: "Verify" }).click();
      await desktop.page.locator("[data-field-error]").filter({ hasText: /not valid/ }).waitFor();

      assert.deepEqual(phone.problems, []);
      assert.deepEqual(desktop.problems, []);
    } finally {
      await phone.close();
      await desktop.close();
    }
  });

  test("the admin sees the new member with MFA on and their sign-ins", async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, demoLogin("admin"));
      await page.goto(`${baseUrl}/settings/members`);
      const row = page.locator(`[data-member="${inviteeEmail}"]`);
      await row.getByText("MFA on").waitFor();
      assert.equal(await row.getByRole("combobox").inputValue(), "support");

      await page.goto(`${baseUrl}/settings/sign-ins`);
      await page.getByLabel("Member").selectOption({ label: "Ivy Invitee" });
      await page.locator("[data-session]").first().getByText("Ivy Invitee").waitFor();
      await screenshot(page, "settings-sign-ins");
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });
});
