// The workspace around the records: CSV import wizard, global search (keyboard shortcut), the
// notifications panel, at desktop and phone sizes. Screenshots go to web/test-results/workspace-*.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { assertNoHorizontalScroll, baseUrl, demoLogin, launchBrowser, openPage, PHONE, screenshot, signIn } from "./support.mjs";

const run = Date.now().toString(36);
// A surname nobody else has, so the search finds exactly what this run imported.
const surname = `Quorvath${run}`;
const csv = [
  "First Name,Last Name,E-mail Address,Job Title,Birthday",
  `Ada,${surname},ada.${run}@import.e2e.example,Clinic manager,1984-03-12`,
  `Bruno,${surname},not-an-email,Dentist,1979-11-02`,
  `Carmen,${surname},carmen.${run}@import.e2e.example,Practice owner,12.07.1990`,
].join("\n");

let browser;
let importUrl;

describe("workspace: import wizard, global search, notifications", { concurrency: false }, () => {
  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  test("admin imports a CSV through the wizard: mapping, preview with the bad row, run, report", async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, demoLogin("admin"));
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Imports" }).click();
      await page.getByRole("heading", { level: 1, name: "Imports" }).waitFor();
      await page.getByRole("link", { name: "New import" }).first().click();
      await page.getByRole("heading", { level: 1, name: "Import from CSV" }).waitFor();

      // Submitting without a file says so next to the field, before anything is sent.
      await page.getByRole("button", { name: "Upload and map columns" }).click();
      await page.locator("[data-field-error]").filter({ hasText: "Choose a CSV file." }).waitFor();

      await page.locator('input[type="file"]').setInputFiles({ name: `clinics-${run}.csv`, mimeType: "text/csv", buffer: Buffer.from(csv) });
      await page.getByText(`clinics-${run}.csv`).waitFor();
      await screenshot(page, "workspace-import-upload");
      await page.getByRole("button", { name: "Upload and map columns" }).click();

      // Mapping: the server's suggestions are preselected.
      await page.getByRole("heading", { name: "Map columns" }).waitFor();
      importUrl = page.url();
      assert.match(importUrl, /\/imports\/[0-9a-f-]{36}$/);
      assert.equal(await page.getByLabel(/^First Name/).inputValue(), "first_name");
      assert.equal(await page.getByLabel(/^E-mail Address/).inputValue(), "email");
      // Two columns on one single-valued field: refused next to the second one.
      await page.getByLabel(/^Job Title/).selectOption("first_name");
      await page.getByRole("button", { name: "Preview rows" }).click();
      await page.locator("[data-field-error]").filter({ hasText: "already filled by the column" }).waitFor();
      await page.getByLabel(/^Job Title/).selectOption("job_title");
      await page.getByLabel(/^Birthday/).selectOption("date_of_birth");
      await screenshot(page, "workspace-import-mapping");
      await page.getByRole("button", { name: "Preview rows" }).click();

      // Preview: three rows, the one with the broken e-mail flagged with its problem.
      await page.getByRole("heading", { name: "Preview" }).waitFor();
      await page.locator("[data-preview-row]").nth(2).waitFor();
      assert.equal(await page.locator("[data-preview-row]").count(), 3);
      const bad = page.locator('[data-preview-row][data-action="error"]');
      assert.equal(await bad.count(), 1);
      assert.match(await bad.innerText(), /Line 3/);
      assert.equal(await page.locator('[data-summary="create"]').innerText(), "2");
      assert.equal(await page.locator('[data-summary="error"]').innerText(), "1");
      await screenshot(page, "workspace-import-preview");

      await page.getByRole("button", { name: "Start import" }).click();
      // Report: two created, one failed, its line and reason listed, the errors CSV downloadable.
      await page.getByRole("heading", { name: "Result" }).waitFor({ timeout: 30_000 });
      assert.equal(await page.locator('[data-result="created"]').innerText(), "2");
      assert.equal(await page.locator('[data-result="failed"]').innerText(), "1");
      await page.locator("[data-error-row='3']").waitFor();
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download errors CSV" }).click()]);
      assert.match(download.suggestedFilename(), /-errors\.csv$/);
      await screenshot(page, "workspace-import-report");

      await page.getByRole("link", { name: "Past imports" }).first().click();
      await page.getByRole("link", { name: new RegExp(`clinics-${run}\\.csv`) }).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("global search opens with Ctrl+K and '/', finds an imported contact and opens it", async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, demoLogin("admin"));
      await page.keyboard.press("Control+k");
      const dialog = page.getByRole("dialog", { name: "Search" });
      await dialog.waitFor();
      await dialog.getByRole("combobox").fill(surname);
      const ada = dialog.getByRole("option", { name: new RegExp(`Ada ${surname}`) });
      await ada.waitFor();
      assert.equal(await dialog.getByRole("option", { name: new RegExp(`Bruno ${surname}`) }).count(), 0, "the failed row was not imported");
      await screenshot(page, "workspace-search", { fullPage: false });
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });

      await page.keyboard.press("/");
      await dialog.waitFor();
      await dialog.getByRole("combobox").fill(`Carmen ${surname}`);
      await dialog.getByRole("option", { name: new RegExp(`Carmen ${surname}`) }).waitFor();
      await page.keyboard.press("Enter");
      await page.waitForURL(/\/contacts\/[0-9a-f-]{36}$/);
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("the notifications panel opens from the bell", async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, demoLogin("sales"));
      await page.getByRole("button", { name: /^Notifications/ }).click();
      await page.getByRole("dialog", { name: "Notifications" }).getByRole("heading", { name: "Notifications" }).waitFor();
      await screenshot(page, "workspace-notifications", { fullPage: false });
      await page.keyboard.press("Escape");
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("admin reviews duplicates: search, field-by-field merge dialog", async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, demoLogin("admin"));
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Duplicates" }).click();
      await page.getByRole("heading", { level: 1, name: "Duplicates" }).waitFor();
      await page.getByRole("button", { name: "Search again" }).click();
      await page.getByRole("button", { name: "Search again" }).waitFor({ timeout: 60_000 });
      await page.locator("[data-suggestion]").or(page.getByText("No possible duplicates")).first().waitFor();
      if ((await page.locator("[data-suggestion]").count()) > 0) {
        await page.locator("[data-suggestion]").first().getByRole("button", { name: "Merge…" }).click();
        const dialog = page.getByRole("dialog", { name: "Merge contacts" });
        await dialog.getByRole("button", { name: "Keep the other one" }).waitFor();
        await screenshot(page, "workspace-merge", { fullPage: false });
        await dialog.getByRole("button", { name: "Cancel" }).click();
        await dialog.waitFor({ state: "hidden" });
      }
      await screenshot(page, "workspace-duplicates");
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("phone: imports, the report, search and notifications fit 375 px", async () => {
    assert.ok(importUrl, "the import test ran first");
    const { page, problems, close } = await openPage(browser, { viewport: PHONE });
    try {
      await signIn(page, demoLogin("admin"));
      await page.goto(`${baseUrl}/imports`);
      await page.getByRole("heading", { level: 1, name: "Imports" }).waitFor();
      await assertNoHorizontalScroll(page, "/imports");
      await screenshot(page, "workspace-phone-imports");

      await page.goto(importUrl);
      await page.getByRole("heading", { name: "Result" }).waitFor();
      await assertNoHorizontalScroll(page, "the import report");
      await screenshot(page, "workspace-phone-import-report");

      await page.goto(`${baseUrl}/imports/new`);
      await page.getByRole("heading", { level: 1, name: "Import from CSV" }).waitFor();
      await assertNoHorizontalScroll(page, "/imports/new");
      await screenshot(page, "workspace-phone-import-upload");

      await page.getByRole("button", { name: "Search", exact: true }).click();
      const dialog = page.getByRole("dialog", { name: "Search" });
      await dialog.getByRole("combobox").fill(surname);
      await dialog.getByRole("option", { name: new RegExp(`Ada ${surname}`) }).waitFor();
      await assertNoHorizontalScroll(page, "the search palette");
      await screenshot(page, "workspace-phone-search", { fullPage: false });
      await page.keyboard.press("Escape");

      await page.getByRole("button", { name: /^Notifications/ }).click();
      await page.getByRole("dialog", { name: "Notifications" }).waitFor();
      await assertNoHorizontalScroll(page, "the notifications panel");
      await screenshot(page, "workspace-phone-notifications", { fullPage: false });
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });
});
