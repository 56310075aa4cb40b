// Browser tests against a running backend that serves web/dist (CRM_E2E_BASE_URL, e.g.
// http://127.0.0.1:8000). Chromium comes from Debian (/usr/bin/chromium, or CRM_E2E_CHROMIUM).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { assertNoHorizontalScroll, baseUrl, launchBrowser, openPage as open, PHONE, resultsDir } from "./support.mjs";

// Checks that must render "ok"; the others must render what /readyz says (e.g. "no worker" when
// the API runs without a job worker). Comma-separated; "*" means every check.
const requiredOkSetting = process.env.CRM_E2E_REQUIRE_OK ?? "database,cache";

let browser;

const openPage = (viewport) => open(browser, viewport ? { viewport } : {});

async function readiness() {
  const response = await fetch(`${baseUrl}/readyz`);
  return { status: response.status, body: await response.json() };
}

describe("system status page", { concurrency: false }, () => {
  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  test("renders every readiness check the backend reports, with no console errors", async () => {
    const api = await readiness();
    assert.equal(api.status, 200, `backend not ready: ${JSON.stringify(api.body)}`);
    const names = Object.keys(api.body.checks);
    const requiredOk = requiredOkSetting === "*" ? names : requiredOkSetting.split(",").map((n) => n.trim());
    assert.ok(names.includes("database"), "readiness has a database check");

    const { page, problems, close } = await openPage();
    try {
      const response = await page.goto(`${baseUrl}/status`);
      assert.equal(response?.status(), 200);
      await page.getByRole("heading", { level: 1, name: "System status" }).waitFor();
      await page.locator("[data-check]").first().waitFor();
      assert.equal(await page.title(), "System status · CliniGlobal CRM");

      const rendered = await page.locator("[data-check]").evaluateAll((rows) =>
        Object.fromEntries(rows.map((row) => [row.dataset.check, row.querySelector("[data-status]")?.textContent])),
      );
      assert.deepEqual(Object.keys(rendered).sort(), [...names].sort());
      for (const name of names) {
        const want = api.body.checks[name];
        const have = rendered[name] ?? "";
        // The page may have polled again since ("ok (1 worker)" -> "ok (2 workers)").
        const same = have === want || (/^ok\b/.test(have) && /^ok\b/.test(want));
        assert.ok(same, `check ${name} renders ${JSON.stringify(have)}, backend says ${JSON.stringify(want)}`);
      }
      for (const name of requiredOk.filter((n) => names.includes(n))) {
        assert.match(rendered[name] ?? "", /^ok\b/, `check ${name} renders ok`);
      }
      assert.match(
        (await page.locator("[data-state]").getAttribute("data-state")) ?? "",
        /^(ready|warning)$/,
      );
      await page.getByText("All systems operational").or(page.getByText("Operational, with warnings")).waitFor();
      await page.screenshot({ path: `${resultsDir}status-desktop.png`, fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("is open to visitors and usable at 375px: no horizontal scroll, a way to sign in", async () => {
    const { page, problems, close } = await openPage(PHONE);
    try {
      await page.goto(`${baseUrl}/status`);
      await page.locator("[data-check]").first().waitFor();
      await assertNoHorizontalScroll(page, "/status at 375px");
      await page.screenshot({ path: `${resultsDir}status-375.png`, fullPage: true });

      // Signed out there is no app navigation, only the way in.
      assert.equal(await page.getByRole("navigation", { name: "Main" }).count(), 0);
      await page.getByRole("link", { name: "Sign in" }).click();
      await page.waitForURL(`${baseUrl}/sign-in`);
      await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("/ sends a visitor to sign-in, and back to the page asked for afterwards", async () => {
    const { page, problems, close } = await openPage();
    try {
      await page.goto(`${baseUrl}/`);
      await page.waitForURL(/\/sign-in\?redirect=%2F$/);
      await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
      await page.goto(`${baseUrl}/settings/members`);
      await page.waitForURL(/\/sign-in\?redirect=%2Fsettings%2Fmembers$/);
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("an unknown path gets the app's not-found page (SPA fallback)", async () => {
    const { page, problems, close } = await openPage();
    try {
      const response = await page.goto(`${baseUrl}/no-such-page/here`);
      assert.equal(response?.status(), 200);
      await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
      await page.getByRole("link", { name: "Go to the start page" }).click();
      await page.waitForURL(/\/sign-in/);
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });
});
