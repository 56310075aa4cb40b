// Shared pieces of the browser tests: the browser, pages that record problems, sign-in steps and an
// RFC 6238 TOTP generator (the tests act as the user's authenticator app).
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const baseUrl = process.env.CRM_E2E_BASE_URL?.replace(/\/+$/, "");
export const executablePath = process.env.CRM_E2E_CHROMIUM || "/usr/bin/chromium";
export const resultsDir = fileURLToPath(new URL("../test-results/", import.meta.url));
export const TIMEOUT_MS = 15_000;

export const DEMO_PASSWORD = process.env.CRM_E2E_DEMO_PASSWORD || "CliniGlobal-demo-2026";
export const demoLogin = (role) => `${role}@demo.cliniglobal.example`;

export const PHONE = { width: 375, height: 812 };
export const DESKTOP = { width: 1280, height: 800 };

/** Launches Debian's Chromium headless with the flags CI needs. */
export async function launchBrowser() {
  assert.ok(baseUrl, "set CRM_E2E_BASE_URL to the backend serving web/dist, e.g. http://127.0.0.1:8000");
  await mkdir(resultsDir, { recursive: true });
  return chromium.launch({
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
}

/**
 * Opens a page in a fresh context (its own cookies: a separate "browser") that records console
 * errors, uncaught exceptions and failed requests. `expected(text)` excuses errors a test provokes
 * on purpose (e.g. the 401 of a wrong password).
 */
export async function openPage(browser, { viewport = DESKTOP, expected = () => false } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const text = `${msg.text()} ${msg.location()?.url ?? ""}`.trim();
    if (!expected(text)) problems.push(`console error: ${text}`);
  });
  page.on("pageerror", (err) => problems.push(`uncaught: ${err.message}`));
  page.on("requestfailed", (req) => {
    // Requests cut short by navigation or page close are not failures of the page.
    if (req.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
  });
  return { page, context, problems, close: () => context.close() };
}

/** Excuses the browser's "Failed to load resource" error for one status of one API path. */
export function expectedError(status, path) {
  return (text) => text.includes(`status of ${status}`) && text.includes(`${baseUrl}${path}`);
}

export async function screenshot(page, name, options = {}) {
  await page.screenshot({ path: `${resultsDir}${name}.png`, fullPage: true, ...options });
}

/** Fails when the page scrolls sideways (the 375 px rule). */
export async function assertNoHorizontalScroll(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow <= 0) return;
  // Name the innermost elements that stick out, so the failure says what to fix.
  const culprits = await page.evaluate(() =>
    [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
      .filter((el) => ![...el.children].some((child) => child.getBoundingClientRect().right > window.innerWidth + 1))
      .slice(0, 5)
      .map((el) => `<${el.tagName.toLowerCase()} class="${el.getAttribute("class") ?? ""}"> ${(el.textContent ?? "").trim().slice(0, 60)}`),
  );
  assert.fail(`${what} scrolls sideways by ${overflow}px; sticking out: ${culprits.join(" | ")}`);
}

/**
 * Fails when a chart's axis labels overlap one another or wrap onto a second line (the 375 px
 * dashboard's stage names ran into each other). Checks every Recharts axis on the page.
 */
export async function assertAxisLabelsApart(page, what) {
  const problems = await page.evaluate(() => {
    const found = [];
    for (const axis of document.querySelectorAll(".recharts-cartesian-axis-tick-labels")) {
      const labels = [...axis.querySelectorAll("text")].map((text) => ({ text: text.textContent ?? "", lines: text.querySelectorAll("tspan").length, box: text.getBoundingClientRect() }));
      for (const label of labels) if (label.lines > 1) found.push(`"${label.text}" wraps onto ${label.lines} lines`);
      for (let i = 0; i < labels.length; i++)
        for (let j = i + 1; j < labels.length; j++) {
          const [a, b] = [labels[i].box, labels[j].box];
          // A pixel of anti-aliasing may touch; more than that is two labels drawn over each other.
          if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) found.push(`"${labels[i].text}" overlaps "${labels[j].text}"`);
        }
    }
    return found;
  });
  assert.deepEqual(problems, [], `${what}: chart axis labels collide`);
}

/** Fills the password step of /sign-in and submits it. */
export async function submitPassword(page, email, password) {
  if (!page.url().includes("/sign-in")) await page.goto(`${baseUrl}/sign-in`);
  await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Signs in a user without MFA and waits for the home page. */
export async function signIn(page, email, password = DEMO_PASSWORD) {
  await submitPassword(page, email, password);
  await page.getByRole("heading", { level: 1, name: /^Welcome, / }).waitFor();
}

/** Opens the account menu and chooses an item. */
export async function userMenu(page, item) {
  await page.getByRole("button", { name: /^Account menu for / }).click();
  await page.getByRole("menuitem", { name: item, exact: true }).click();
}

// --- RFC 6238 TOTP (SHA-1, 6 digits, 30 s), as authenticator apps compute it ------------------

function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of text.replace(/[\s=]/g, "").toUpperCase()) {
    const value = alphabet.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${char}`);
    bits += value.toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(Number.parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The code for a 30-second time step (RFC 4226 dynamic truncation). */
export function totpAt(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const hmac = createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const offset = hmac[hmac.length - 1] & 0x0f;
  const binary = (hmac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return binary.toString().padStart(6, "0");
}

export const currentStep = () => Math.floor(Date.now() / 1000 / 30);

/** A unique, valid e-mail address for this run. */
export function uniqueEmail(prefix) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}@e2e.cliniglobal.example`;
}
