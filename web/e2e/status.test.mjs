// Browser tests against a running backend that serves web/dist (CRM_E2E_BASE_URL, e.g.
// http://127.0.0.1:8000). Chromium comes from Debian (/usr/bin/chromium, or CRM_E2E_CHROMIUM).
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const baseUrl = process.env.CRM_E2E_BASE_URL?.replace(/\/+$/, "");
const executablePath = process.env.CRM_E2E_CHROMIUM || "/usr/bin/chromium";
const resultsDir = fileURLToPath(new URL("../test-results/", import.meta.url));
const TIMEOUT_MS = 15_000;
// Checks that must render "ok"; the others must render what /readyz says (e.g. "no worker" when
// the API runs without a job worker). Comma-separated; "*" means every check.
const requiredOkSetting = process.env.CRM_E2E_REQUIRE_OK ?? "database,cache";

let browser;

/** Opens a page that records console errors, uncaught exceptions and failed requests. */
async function openPage(viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`uncaught: ${err.message}`));
  page.on("requestfailed", (req) => {
    // Polling requests cut short by navigation or page close are not failures of the page.
    if (req.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
  });
  return { page, problems, close: () => context.close() };
}

async function readiness() {
  const response = await fetch(`${baseUrl}/readyz`);
  return { status: response.status, body: await response.json() };
}

describe("system status page", { concurrency: false }, () => {
  before(async () => {
    assert.ok(baseUrl, "set CRM_E2E_BASE_URL to the backend serving web/dist, e.g. http://127.0.0.1:8000");
    await mkdir(resultsDir, { recursive: true });
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
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

  test("is usable at 375px: no horizontal scroll, navigation behind the menu button", async () => {
    const { page, problems, close } = await openPage({ width: 375, height: 812 });
    try {
      await page.goto(`${baseUrl}/status`);
      await page.locator("[data-check]").first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px at 375px`);
      await page.screenshot({ path: `${resultsDir}status-375.png`, fullPage: true });

      const nav = page.getByRole("navigation", { name: "Main" });
      assert.equal(await nav.isVisible(), false);
      await page.getByRole("button", { name: "Open navigation" }).click();
      await nav.getByRole("link", { name: "System status" }).waitFor();
      await page.screenshot({ path: `${resultsDir}status-375-nav.png` });
      await nav.getByRole("link", { name: "System status" }).click();
      await nav.waitFor({ state: "hidden" });
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("/ redirects to /status", async () => {
    const { page, problems, close } = await openPage();
    try {
      await page.goto(`${baseUrl}/`);
      await page.waitForURL(`${baseUrl}/status`);
      await page.getByRole("heading", { level: 1, name: "System status" }).waitFor();
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
      await page.waitForURL(`${baseUrl}/status`);
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });
});
