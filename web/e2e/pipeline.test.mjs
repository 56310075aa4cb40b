// Kanban board and role dashboards against the real stack (demo organisation): a sales user drags
// a deal to another stage and it stays there after a reload, moves one with the keyboard, a drop on
// "lost" asks for the reason; each demo role's home shows its own charts; phone-sized screenshots.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertAxisLabelsApart, assertNoHorizontalScroll, baseUrl, demoLogin, expectedError, launchBrowser, openPage, PHONE, screenshot, signIn } from "./support.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** The board's columns and the cards in each, as the page shows them. */
async function boardState(page) {
  return page.$$eval('[data-testid="board-column"]', (columns) =>
    columns.map((column) => ({
      stage: column.getAttribute("data-stage-name"),
      count: Number(column.querySelector('[data-testid="column-count"]')?.firstChild?.textContent ?? "0"),
      cards: [...column.querySelectorAll('[data-testid="deal-card"]')].map((card) => card.getAttribute("data-deal-id")),
    })),
  );
}

async function openBoard(page) {
  await page.goto(`${baseUrl}/pipeline`);
  await page.locator('[data-testid="deal-card"]').first().waitFor();
}

/** A real pointer drag: press on the card, move in steps (dnd-kit starts after 6 px), release on the target. */
async function drag(page, source, target, { offsetY = 0 } = {}) {
  const from = await source.boundingBox();
  const to = await target.boundingBox();
  assert.ok(from && to, "both ends of the drag are on screen");
  await page.mouse.move(from.x + from.width / 2, from.y + 12);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2 + 10, from.y + 20, { steps: 3 });
  const x = to.x + to.width / 2;
  const y = to.y + Math.min(to.height / 2, 60) + offsetY;
  await page.mouse.move(x, y, { steps: 12 });
  await page.mouse.move(x, y + 2, { steps: 2 });
  await page.mouse.up();
}

describe("pipeline board", () => {
  it("lets a sales user drag a deal to another stage, and the move persists after reload", async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, demoLogin("sales"));
      await page.getByRole("link", { name: "Pipeline", exact: true }).click();
      await page.locator('[data-testid="deal-card"]').first().waitFor();
      const before = await boardState(page);
      const fromIndex = before.findIndex((c) => c.cards.length > 0);
      const toIndex = fromIndex === 0 ? 1 : 0;
      const dealId = before[fromIndex].cards[0];
      const card = page.locator(`[data-deal-id="${dealId}"]`);
      const target = page.locator('[data-testid="board-column"]').nth(toIndex);
      const moved = page.waitForResponse((r) => r.url().includes(`/api/v1/deals/${dealId}/move`) && r.request().method() === "POST");
      await drag(page, card, target.locator("ul"));
      const response = await moved;
      assert.equal(response.status(), 200, "the server accepted the move");
      let now = await boardState(page);
      assert.ok(now[toIndex].cards.includes(dealId), "the card sits in the new column at once");
      assert.equal(now[toIndex].count, before[toIndex].count + 1, "the target column counts it");
      assert.equal(now[fromIndex].count, before[fromIndex].count - 1, "the source column lets it go");
      await screenshot(page, "pipeline-board-sales");

      await page.reload();
      await page.locator('[data-testid="deal-card"]').first().waitFor();
      now = await boardState(page);
      assert.ok(now[toIndex].cards.includes(dealId), "after reload the deal is still in its new stage");
      assert.ok(!now[fromIndex].cards.includes(dealId));
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  it("moves a deal with the keyboard alone", async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, demoLogin("sales"));
      await openBoard(page);
      const before = await boardState(page);
      const fromIndex = before.findIndex((c, i) => c.cards.length > 0 && i + 1 < before.length);
      const dealId = before[fromIndex].cards[0];
      const card = page.locator(`[data-deal-id="${dealId}"]`);
      await card.focus();
      const moved = page.waitForResponse((r) => r.url().includes(`/api/v1/deals/${dealId}/move`));
      await page.keyboard.press("Space");
      await page.waitForTimeout(150);
      await page.keyboard.press("ArrowRight");
      await page.waitForTimeout(250);
      await page.keyboard.press("Space");
      assert.equal((await moved).status(), 200);
      // The live region told a screen reader where it went.
      const announced = await page.locator('[id^="DndLiveRegion"]').textContent();
      assert.match(announced ?? "", /was dropped (in|over) /);
      await page.reload();
      await page.locator('[data-testid="deal-card"]').first().waitFor();
      const now = await boardState(page);
      const landed = now.findIndex((c) => c.cards.includes(dealId));
      assert.equal(landed, fromIndex + 1, "the deal moved one stage to the right");
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  it("asks for the reason when a deal is dropped on lost", async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, demoLogin("sales"));
      await openBoard(page);
      const lostZone = page.getByTestId("drop-lost");
      const lostBefore = Number((await lostZone.textContent()).match(/(\d+) deals?/)?.[1]);
      const card = page.locator('[data-testid="deal-card"]').first();
      const dealId = await card.getAttribute("data-deal-id");
      const name = await card.getAttribute("data-deal-name");
      await drag(page, card, lostZone);
      const dialog = page.getByRole("dialog", { name: `Mark ${name} as lost` });
      await dialog.waitFor();
      await screenshot(page, "pipeline-lost-reason");
      await dialog.getByRole("button", { name: "Mark as lost" }).click();
      await dialog.getByText("Say why the deal was lost.").waitFor();
      await dialog.getByRole("textbox", { name: "Reason" }).fill("Chose another clinic");
      const moved = page.waitForResponse((r) => r.url().includes(`/api/v1/deals/${dealId}/move`));
      await dialog.getByRole("button", { name: "Mark as lost" }).click();
      assert.equal((await moved).status(), 200);
      await dialog.waitFor({ state: "detached" });
      assert.equal(await page.locator(`[data-deal-id="${dealId}"]`).count(), 0, "the lost deal left the open stages");
      assert.match(await lostZone.textContent(), new RegExp(`${lostBefore + 1} deals`));
      await page.reload();
      await page.locator('[data-testid="deal-card"]').first().waitFor();
      assert.equal(await page.locator(`[data-deal-id="${dealId}"]`).count(), 0, "still lost after reload");
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  it("fits a phone: the board scrolls inside itself, cards move through their menu", async () => {
    const { page, problems, close } = await openPage(browser, { viewport: PHONE });
    try {
      await signIn(page, demoLogin("sales"));
      await openBoard(page);
      await assertNoHorizontalScroll(page, "the pipeline on a phone");
      await screenshot(page, "pipeline-phone", { fullPage: false });
      const card = page.locator('[data-testid="deal-card"]').first();
      const dealId = await card.getAttribute("data-deal-id");
      const name = await card.getAttribute("data-deal-name");
      const before = await boardState(page);
      const target = before.find((c) => !c.cards.includes(dealId));
      await card.getByRole("button", { name: `Move ${name}` }).click();
      const moved = page.waitForResponse((r) => r.url().includes(`/api/v1/deals/${dealId}/move`));
      await page.getByRole("menuitem", { name: target.stage, exact: true }).click();
      assert.equal((await moved).status(), 200);
      const now = await boardState(page);
      assert.equal(now.find((c) => c.stage === target.stage).cards[0], dealId, "the menu put it on top of the chosen stage");
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });
});

describe("pipeline settings", () => {
  it("lets an admin create a pipeline, add and reorder stages, and explains why a used stage cannot go", async () => {
    const { page, problems, close } = await openPage(browser, { expected: expectedError(409, "/api/v1/pipelines/") });
    try {
      await signIn(page, demoLogin("admin"));
      await page.goto(`${baseUrl}/settings/pipelines`);
      const name = `Implants ${Date.now().toString(36)}`;
      await page.getByRole("button", { name: "New pipeline" }).click();
      const dialog = page.getByRole("dialog", { name: "New pipeline" });
      await dialog.getByRole("button", { name: "Create pipeline" }).click();
      await dialog.getByText("Name the pipeline.").waitFor();
      await dialog.getByLabel("Pipeline name").fill(name);
      await dialog.getByRole("button", { name: "Create pipeline" }).click();
      const section = page.locator("section", { has: page.getByRole("heading", { name, exact: true }) });
      await section.waitFor();

      await section.getByRole("button", { name: `Add stage to ${name}` }).click();
      const add = page.getByRole("dialog", { name: `Add a stage to ${name}` });
      await add.getByLabel("Stage name").fill("Bone graft");
      await add.getByLabel("Default probability (%)").fill("40");
      await add.getByRole("button", { name: "Add stage" }).click();
      await section.locator('[data-stage="Bone graft"]').waitFor();
      const stages = () => section.locator("li[data-stage]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-stage")));
      const order = await stages();
      assert.ok(order.indexOf("Bone graft") < order.indexOf("Won"), "a new open stage goes before the won/lost ones");

      // Keyboard reorder: focus the grip, Space, ArrowUp, Space.
      const at = order.indexOf("Bone graft");
      const saved = page.waitForResponse((r) => r.url().endsWith("/stages/reorder") && r.status() === 200);
      await section.getByRole("button", { name: "Reorder Bone graft" }).focus();
      await page.keyboard.press("Space");
      await page.waitForTimeout(150);
      await page.keyboard.press("ArrowUp");
      await page.waitForTimeout(250);
      await page.keyboard.press("Space");
      await saved;
      await page.reload();
      await section.locator('[data-stage="Bone graft"]').waitFor();
      assert.equal((await stages()).indexOf("Bone graft"), at - 1, "the new order was saved");
      await screenshot(page, "settings-pipelines");

      // A stage of the demo pipeline that deals sit in cannot be deleted: the dialog says why.
      const demo = page.locator("section", { has: page.getByRole("heading", { name: "Patient journey", exact: true }) });
      await demo.getByRole("button", { name: "Delete Enquiry" }).click();
      const confirm = page.getByRole("dialog", { name: "Delete the stage Enquiry?" });
      await confirm.getByRole("button", { name: "Delete stage" }).click();
      await confirm.getByText(/deals are in this stage or passed through it/i).waitFor();
      await confirm.getByRole("button", { name: "Cancel" }).click();
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });
});

describe("role dashboards", () => {
  const expected = {
    admin: ["widget-pipeline", "widget-win-rate", "widget-closing", "widget-top-accounts", "widget-lead-sources", "widget-activities"],
    sales: ["widget-pipeline", "widget-win-rate", "widget-closing", "widget-top-accounts", "widget-activities"],
    marketing: ["widget-lead-sources"],
    support: ["widget-activities"],
  };
  for (const [role, widgets] of Object.entries(expected)) {
    it(`shows ${role} their own charts with demo data`, async () => {
      const { page, problems, close } = await openPage(browser);
      try {
        // Charts drawn at once (no grow-in animation) for a stable count and screenshot.
        await page.emulateMedia({ reducedMotion: "reduce" });
        await signIn(page, demoLogin(role));
        for (const id of widgets) await page.getByTestId(id).waitFor();
        const shown = await page.$$eval('[data-testid^="widget-"]', (nodes) => nodes.map((n) => n.getAttribute("data-testid")));
        assert.deepEqual(shown, widgets, `${role} sees exactly their widgets`);
        // Every chart widget drew something from the demo data (bars, slices or lines).
        for (const id of widgets.filter((w) => w !== "widget-closing")) {
          const widget = page.getByTestId(id);
          await widget.locator(".recharts-surface").first().waitFor();
          const marks = await widget.locator(".recharts-rectangle, .recharts-sector, .recharts-line-curve").count();
          assert.ok(marks > 0, `${id} drew its data`);
        }
        await assertAxisLabelsApart(page, `${role}'s dashboard`);
        await screenshot(page, `dashboard-${role}`);
        // A tooltip last placed for the wide layout (the pointer rested near a chart's right edge) must
        // not widen the page once the screen is narrow (a rotated tablet, a resized window).
        for (const id of widgets.filter((w) => w !== "widget-closing")) {
          const surface = page.getByTestId(id).locator(".recharts-surface").first();
          const box = await surface.boundingBox();
          if (box) await surface.hover({ position: { x: box.width - 4, y: box.height / 2 } });
        }
        await page.setViewportSize(PHONE);
        await page.waitForTimeout(300);
        await assertNoHorizontalScroll(page, `${role}'s dashboard on a phone`);
        await assertAxisLabelsApart(page, `${role}'s dashboard on a phone`);
        // Stage names do not fit under phone-width columns: the pipeline draws rows instead.
        if (widgets.includes("widget-pipeline")) assert.equal(await page.getByTestId("widget-pipeline").locator("[data-chart-layout]").getAttribute("data-chart-layout"), "rows");
        await screenshot(page, `dashboard-${role}-phone`);
        assert.deepEqual(problems, []);
      } finally {
        await close();
      }
    });
  }
});
