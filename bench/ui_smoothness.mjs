#!/usr/bin/env node
// UI smoothness: drives Debian's Chromium (playwright-core, the browser tests' flags) against a
// running stack, scrolls the contacts list (the bench organisation holds 100,000+ contacts) and
// drags cards on a board of 500+ cards, and records the browser's long tasks (PerformanceObserver
// "longtask": main-thread tasks over 50 ms). Target: none over 100 ms while scrolling or dragging.
//
//   node bench/ui_smoothness.mjs --base-url http://127.0.0.1:8000 --email admin@... --password ...
//
// Prints one JSON object per phase (like the other bench scripts) and appends them to
// $CRM_BENCH_RESULTS when set. bench/ui_stack.py starts the bench stack and runs this.
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { summarizeTrace, TRACE_CATEGORIES } from "./ui_trace.mjs";

// playwright-core is a dependency of the web app; resolve it from there.
const { chromium } = createRequire(new URL("../web/package.json", import.meta.url))("playwright-core");

const { values: args } = parseArgs({
  options: {
    "base-url": { type: "string", default: process.env.CRM_UI_BASE_URL },
    email: { type: "string", default: process.env.CRM_UI_EMAIL },
    password: { type: "string", default: process.env.CRM_UI_PASSWORD },
    "scroll-steps": { type: "string", default: "240" },
    "board-cards": { type: "string", default: "500" },
    drags: { type: "string", default: "12" },
    chromium: { type: "string", default: process.env.CRM_E2E_CHROMIUM || "/usr/bin/chromium" },
    only: { type: "string", default: "list,board" },
    screenshots: { type: "string", default: "" },
    // A Chromium trace per phase in this folder, and what its long tasks are made of (ui_trace.mjs).
    trace: { type: "string", default: "" },
    // Without --trace, a light trace (top-level tasks only) gives each task's thread time: on a
    // loaded machine a long task's wall time is mostly waiting for a core. "off" skips it.
    "task-cpu": { type: "string", default: "on" },
  },
});
const base = args["base-url"]?.replace(/\/+$/, "");
if (!base || !args.email || !args.password) {
  console.error("usage: node bench/ui_smoothness.mjs --base-url URL --email E --password P");
  process.exit(2);
}
const TARGET_MS = 100;

function emit(record) {
  const line = JSON.stringify({ ts: new Date().toISOString().slice(0, 19) + "+00:00", bench: "ui_smoothness", ...record });
  console.log(line);
  if (process.env.CRM_BENCH_RESULTS) appendFileSync(process.env.CRM_BENCH_RESULTS, line + "\n");
}
const note = (message) => console.error(message);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Installed before any page script: collects every long task with its start time.
function observeLongTasks() {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: "longtask", buffered: true });
}

const loadavg = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

/** Runs `body` and returns the long tasks that started while it ran (and the load around it). */
async function measure(page, phase, body) {
  const loadBefore = loadavg();
  const light = !args.trace && args["task-cpu"] !== "off";
  if (args.trace) await browser.startTracing(page, { categories: TRACE_CATEGORIES });
  else if (light) await browser.startTracing(page, { categories: ["toplevel"] });
  const from = await page.evaluate(() => performance.now());
  const started = Date.now();
  const extra = (await body()) ?? {};
  await sleep(300); // let the last frames and the observer's callback land
  const to = await page.evaluate(() => performance.now());
  if (args.trace) {
    const trace = await browser.stopTracing();
    mkdirSync(args.trace, { recursive: true });
    const file = path.join(args.trace, `${phase}.json`);
    writeFileSync(file, trace);
    const summary = summarizeTrace(JSON.parse(trace.toString("utf8")));
    writeFileSync(path.join(args.trace, `${phase}.summary.json`), JSON.stringify(summary, null, 1));
    note(`${phase}: trace in ${file}\n${JSON.stringify(summary, null, 1)}`);
  }
  let taskCpu = {};
  if (light) {
    const summary = summarizeTrace(JSON.parse((await browser.stopTracing()).toString("utf8")));
    taskCpu = {
      main_thread_cpu_ms: summary.main_thread_cpu_ms,
      tasks_over_100ms_cpu: summary.tasks_over_100ms_cpu,
      max_task_cpu_ms: summary.max_task_cpu_ms,
    };
  }
  const tasks = await page.evaluate(([a, b]) => window.__longTasks.filter((t) => t.start >= a && t.start <= b), [from, to]);
  const durations = tasks.map((t) => t.duration);
  const max = durations.length ? Math.max(...durations) : 0;
  return {
    seconds: Math.round((Date.now() - started) / 100) / 10,
    longtasks_over_50ms: durations.length,
    longtasks_over_100ms: durations.filter((d) => d > TARGET_MS).length,
    max_longtask_ms: Math.round(max),
    target_max_ms: TARGET_MS,
    ok: max <= TARGET_MS,
    ...taskCpu,
    ...extra,
    // Long tasks grow with the machine's load (2 shared cores): the figures carry it.
    machine: { cpus: os.cpus().length, loadavg_1_5_15_before: loadBefore, loadavg_1_5_15_after: loadavg() },
  };
}

async function signIn(page) {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel("E-mail").fill(args.email);
  await page.getByLabel("Password", { exact: true }).fill(args.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/sign-in"), { timeout: 30_000 });
  if (new URL(page.url()).pathname.startsWith("/setup-mfa")) throw new Error("the bench user must enrol MFA; use an organisation without the MFA requirement");
}

async function scrollList(page) {
  await page.goto(`${base}/contacts`);
  const list = page.getByTestId("record-list");
  try {
    await list.waitFor({ timeout: 30_000 });
    await page.getByTestId("record-row").first().waitFor({ timeout: 30_000 });
  } catch {
    return { phase: "list_scroll", status: "skipped", reason: "no record list with data-testid=record-list/record-row at /contacts" };
  }
  const box = await list.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + Math.min(box.height / 2, 300));
  const steps = Number(args["scroll-steps"]);
  const result = await measure(page, "list_scroll", async () => {
    // A person flicking the wheel: 600 px per notch, a frame apart, pausing now and then to read.
    for (let i = 0; i < steps; i++) {
      await page.mouse.wheel(0, 600);
      await sleep(i % 40 === 39 ? 400 : 16);
    }
    return page.evaluate(() => {
      const el = document.querySelector('[data-testid="record-list"]');
      const rows = document.querySelectorAll('[data-testid="record-row"]');
      return { scrolled_px: Math.round(el.scrollTop), rendered_rows: rows.length, scroll_height_px: el.scrollHeight };
    });
  });
  return { phase: "list_scroll", wheel_steps: steps, ...result };
}

/** Cards loaded on the board: columns say how many they hold (virtualised, they mount only some). */
async function boardCards(page) {
  return page.evaluate(() => {
    const columns = [...document.querySelectorAll('[data-testid="board-column"]')];
    if (columns.length > 0 && columns.every((column) => column.hasAttribute("data-cards-loaded"))) {
      return columns.reduce((sum, column) => sum + Number(column.getAttribute("data-cards-loaded")), 0);
    }
    return document.querySelectorAll('[data-testid="deal-card"]').length;
  });
}

const mountedCards = (page) => page.locator('[data-testid="deal-card"]').count();

async function loadBoard(page, wanted) {
  await page.goto(`${base}/pipeline`);
  await page.locator('[data-testid="deal-card"]').first().waitFor({ timeout: 60_000 });
  return measure(page, "board_load", async () => {
    // "Load more" on each column in turn until the board holds the cards wanted.
    for (let round = 0; round < 20 && (await boardCards(page)) < wanted; round++) {
      // By text, not by role: Playwright's role engine runs in the page and walks every element's
      // visibility, which on a full board is itself a long task the measurement would count.
      const buttons = page.locator("button", { hasText: /^Load more/ });
      const n = await buttons.count();
      if (n === 0) break;
      for (let i = 0; i < n && (await boardCards(page)) < wanted; i++) {
        const page_ = page.waitForResponse((r) => /\/stages\/[^/]+\/deals/.test(r.url()), { timeout: 60_000 });
        await buttons.nth(0).click();
        await page_;
        await sleep(100);
      }
    }
    return { cards: await boardCards(page), mounted_cards: await mountedCards(page) };
  });
}

async function dragCard(page, card, target) {
  const from = await card.boundingBox();
  const to = await target.boundingBox();
  if (!from || !to) throw new Error("a card or column to drag between is not on screen");
  const sx = from.x + from.width / 2;
  const sy = from.y + 12;
  await page.mouse.move(sx, sy);
  await page.mouse.down();
  await page.mouse.move(sx + 8, sy + 8, { steps: 2 });
  // ~40 pointer moves a frame apart: the drag a person makes across the board.
  const x = to.x + to.width / 2;
  const y = to.y + Math.min(to.height / 2, 120);
  for (let i = 1; i <= 40; i++) {
    await page.mouse.move(sx + ((x - sx) * i) / 40, sy + ((y - sy) * i) / 40);
    await sleep(16);
  }
  await page.mouse.move(x, y + 2);
  await sleep(50);
  await page.mouse.up();
}

async function dragOnBoard(page) {
  const drags = Number(args.drags);
  const columns = page.locator('[data-testid="board-column"]');
  const count = await columns.count();
  if (count < 2) return { phase: "board_drag", status: "skipped", reason: "the board has fewer than two stages" };
  let moved = 0;
  const result = await measure(page, "board_drag", async () => {
    // Pairs of moves (to the next stage and back), so the bench data ends where it started.
    for (let i = 0; i < drags; i += 2) {
      const fromIndex = i % (count - 1);
      const source = columns.nth(fromIndex);
      const card = source.locator('[data-testid="deal-card"]').nth(1);
      if ((await card.count()) === 0) continue;
      const id = await card.getAttribute("data-deal-id");
      const there = page.waitForResponse((r) => r.url().includes(`/deals/${id}/move`), { timeout: 30_000 });
      await dragCard(page, card, columns.nth(fromIndex + 1).locator("ul"));
      if ((await there).ok()) moved++;
      const moved_ = page.locator(`[data-deal-id="${id}"]`);
      if ((await moved_.count()) === 0) continue;
      await moved_.scrollIntoViewIfNeeded();
      const back = page.waitForResponse((r) => r.url().includes(`/deals/${id}/move`), { timeout: 30_000 });
      await dragCard(page, moved_, source.locator("ul"));
      if ((await back).ok()) moved++;
    }
    return { cards: await boardCards(page), mounted_cards: await mountedCards(page) };
  });
  return { phase: "board_drag", drags_done: moved, ...result };
}

const browser = await chromium.launch({
  executablePath: args.chromium,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.addInitScript(observeLongTasks);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  note("signing in…");
  await signIn(page);
  const only = new Set(args.only.split(","));
  if (only.has("list")) {
    note("scrolling the contacts list…");
    emit(await scrollList(page));
  }
  if (!only.has("board")) process.exit(0);
  note(`loading ${args["board-cards"]} cards on the board…`);
  const load = await loadBoard(page, Number(args["board-cards"]));
  emit({ phase: "board_load", ...load });
  if (args.screenshots) await page.screenshot({ path: `${args.screenshots}/ui-bench-board.png` });
  note("dragging cards…");
  emit(await dragOnBoard(page));
} catch (error) {
  failed = true;
  emit({ phase: "error", error: String(error?.message ?? error).slice(0, 500) });
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
