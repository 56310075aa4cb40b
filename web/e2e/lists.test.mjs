// Record lists against the real stack: a Sales user filters and sorts contacts, bulk-tags a few
// and sees the result per row, keeps the list as a saved view and opens it again, exports the view
// as CSV; an admin adds a custom field and shows it as a column; the lists fit a 375px phone.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import {
  assertNoHorizontalScroll,
  baseUrl,
  demoLogin,
  launchBrowser,
  openPage,
  PHONE,
  screenshot,
  signIn,
} from "./support.mjs";

let browser;
const stamp = Date.now().toString(36);

before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Opens a list page and waits for its first rows. */
async function openList(page, path) {
  await page.goto(`${baseUrl}${path}`);
  await page.getByTestId("record-row").first().waitFor();
}

/** Adds one filter through the Filter popover. */
async function addFilter(page, field, condition, value) {
  await page.getByRole("button", { name: /^Filter/ }).click();
  const form = page.getByRole("form", { name: "Add a filter" });
  await form.getByLabel("Field").selectOption({ label: field });
  await form.getByLabel("Condition").selectOption({ label: condition });
  const input = form.getByLabel("Value");
  if ((await input.evaluate((el) => el.tagName)) === "SELECT") await input.selectOption({ label: value });
  else await input.fill(value);
  await form.getByRole("button", { name: "Add filter" }).click();
}

async function rowNames(page) {
  return page.getByTestId("record-row").locator("a").allTextContents();
}

describe("record lists", { concurrency: false }, () => {
  test("sales filters and sorts contacts, bulk-tags a few and sees each row's result", async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, demoLogin("sales"));
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Contacts" }).click();
      await page.getByTestId("record-row").first().waitFor();
      assert.match(await page.getByTestId("record-total").textContent(), /\d+ contacts/);

      await addFilter(page, "Stage", "is", "Patient");
      await page.getByTestId("filter-chip").filter({ hasText: "Stage is Patient" }).waitFor();
      await page.waitForURL(/filters=/);
      await page.getByRole("button", { name: "Sort by Name" }).click();
      await page.waitForURL(/sort=name/);
      await page.locator('[role="columnheader"][aria-sort="ascending"]').filter({ hasText: "Name" }).waitFor();
      // Every row shown is a patient, in name order (last name, then first name).
      await page.waitForFunction(() =>
        [...document.querySelectorAll('[data-testid="record-row"]')].every((row) => row.textContent.includes("Patient")),
      );
      const stages = await page.getByTestId("record-row").locator('[role="cell"]').filter({ hasText: /^(Patient|Lead|Customer|Qualified|Subscriber|Opportunity|Referrer|Other)$/ }).allTextContents();
      assert.ok(stages.length > 0 && stages.every((s) => s === "Patient"), `stages: ${stages}`);
      const names = await rowNames(page);
      const lastNames = names.map((n) => n.split(" ").slice(-1)[0].toLowerCase());
      assert.deepEqual(lastNames.slice(0, 8), [...lastNames.slice(0, 8)].sort((a, b) => a.localeCompare(b)), `not sorted: ${names.slice(0, 8)}`);

      const rows = page.getByTestId("record-row");
      const picked = [];
      for (let i = 0; i < 3; i += 1) {
        picked.push(await rows.nth(i).locator("a").textContent());
        await rows.nth(i).getByRole("checkbox").check();
      }
      await page.getByTestId("bulk-bar").getByText("3 selected").waitFor();
      await page.getByTestId("bulk-bar").getByRole("button", { name: "Tags" }).click();
      await page.getByRole("menuitem", { name: "Add tags…" }).click();
      const tag = `e2e-${stamp}`;
      await page.getByRole("dialog").getByLabel("Tags").fill(tag);
      await page.getByRole("dialog").getByRole("button", { name: "Apply to 3" }).click();
      const results = page.getByTestId("bulk-results");
      await results.getByText(`Added tags: ${tag}: 3 done.`).waitFor();
      await results.getByRole("button", { name: "Show each record" }).click();
      const resultRows = results.getByTestId("bulk-result");
      assert.equal(await resultRows.count(), 3);
      assert.deepEqual((await resultRows.allTextContents()).map((t) => t.includes("Done")), [true, true, true]);
      for (const name of picked) await results.getByText(name, { exact: true }).waitFor();
      // The rows show the outcome, and after the refetch their new tag.
      assert.equal(await page.locator('[data-testid="row-result"][data-ok="true"]').count(), 3);
      await page.getByTestId("record-row").filter({ hasText: tag }).nth(2).waitFor();
      await screenshot(page, "lists-contacts-bulk", { fullPage: false });

      // The tag filter finds exactly the three.
      await addFilter(page, "Tags", "includes", tag);
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="record-row"]').length === 3);
      assert.match(await page.getByTestId("record-total").textContent(), /^3 contacts$/);
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("a saved view keeps filters, sort and columns, and the export downloads that view as CSV", async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, demoLogin("sales"));
      await openList(page, "/leads");
      await addFilter(page, "Status", "is", "Qualified");
      await page.getByRole("button", { name: "Sort by Score" }).click();
      await page.locator('[role="columnheader"][aria-sort="descending"]').filter({ hasText: "Score" }).waitFor();
      await page.getByRole("button", { name: "Columns" }).click();
      await page.getByRole("list", { name: "Columns" }).getByRole("checkbox", { name: "Job title", exact: true }).check();
      await page.keyboard.press("Escape");
      await page.getByRole("columnheader", { name: "Job title" }).waitFor();

      const viewName = `Qualified leads ${stamp}`;
      await page.getByRole("button", { name: /^Saved views:/ }).click();
      await page.getByRole("menuitem", { name: "Save as new view…" }).click();
      await page.getByRole("dialog").getByLabel("Name").fill(viewName);
      await page.getByRole("dialog").getByLabel("Who can use it").selectOption("private");
      await page.getByRole("dialog").getByRole("button", { name: "Save view" }).click();
      await page.getByRole("button", { name: `Saved views: ${viewName}` }).waitFor();

      // A fresh list, then the view brings everything back.
      await page.goto(`${baseUrl}/leads`);
      await page.getByTestId("record-row").first().waitFor();
      assert.equal(await page.getByTestId("filter-chip").count(), 0);
      await page.getByRole("button", { name: /^Saved views:/ }).click();
      await page.getByRole("menuitem", { name: new RegExp(viewName) }).click();
      await page.getByTestId("filter-chip").filter({ hasText: "Status is Qualified" }).waitFor();
      await page.locator('[role="columnheader"][aria-sort="descending"]').filter({ hasText: "Score" }).waitFor();
      await page.getByRole("columnheader", { name: "Job title" }).waitFor();
      await page.getByRole("button", { name: `Saved views: ${viewName}` }).waitFor();

      // The score popover explains a score (when the demo leads have been scored).
      const scored = page.getByRole("button", { name: /^Score \d+ out of 100/ }).first();
      if ((await scored.count()) > 0) {
        await scored.click();
        await page.getByText(/Chance this lead converts/).waitFor();
        await screenshot(page, "lists-lead-score", { fullPage: false });
        await page.keyboard.press("Escape");
      }

      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
      assert.match(download.suggestedFilename(), /^leads-.*\.csv$/);
      const csv = await readFile(await download.path(), "utf8");
      const [header, ...lines] = csv.trim().split(/\r?\n/);
      assert.ok(header.startsWith("first_name,last_name,score"), `header: ${header}`);
      assert.ok(header.includes("job_title") && header.includes("status"), `header: ${header}`);
      const statusAt = header.split(",").indexOf("status");
      assert.ok(lines.length > 0, "the export has rows");
      assert.ok(lines.every((line) => line.split(",")[statusAt] === "qualified" || line.includes('"')), "only qualified leads exported");
      await screenshot(page, "lists-leads-view", { fullPage: false });

      await page.getByRole("button", { name: /^Saved views:/ }).click();
      await page.getByRole("menuitem", { name: `Delete “${viewName}”` }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Delete view" }).click();
      await page.getByRole("button", { name: "Saved views: All leads" }).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("an admin adds a custom field, creates a contact with it and shows it as a column", async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, demoLogin("admin"));
      await page.goto(`${baseUrl}/settings/custom-fields`);
      await page.getByRole("button", { name: "New field" }).click();
      const label = `Referral ${stamp}`;
      await page.getByRole("dialog").getByLabel("Label").fill(label);
      await page.getByRole("dialog").getByLabel("Type").selectOption("select");
      await page.getByRole("dialog").getByLabel("Options").fill("Doctor\nFriend\nWeb");
      await page.getByRole("dialog").getByRole("button", { name: "Create field" }).click();
      await page.locator(`[data-field="referral_${stamp}"]`).waitFor();
      await screenshot(page, "settings-custom-fields", { fullPage: false });

      await openList(page, "/contacts");
      await page.getByRole("button", { name: "New contact" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("First name").fill("Edda");
      await dialog.getByLabel("Last name").fill(`Listtest${stamp}`);
      await dialog.getByLabel("E-mail").fill("not-an-address");
      await dialog.getByRole("button", { name: "Create contact" }).click();
      await dialog.getByText("Enter a valid e-mail address.").waitFor();
      await dialog.getByLabel("E-mail").fill(`edda.${stamp}@clinic.example`);
      await dialog.getByLabel(label).selectOption("Friend");
      await dialog.getByRole("button", { name: "Create contact" }).click();
      await dialog.waitFor({ state: "detached" });

      await page.getByRole("searchbox", { name: "Search" }).fill(`Listtest${stamp}`);
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="record-row"]').length === 1);
      await page.getByRole("button", { name: "Columns" }).click();
      await page.getByRole("list", { name: "Columns" }).getByRole("checkbox", { name: label }).check();
      await page.keyboard.press("Escape");
      await page.getByRole("columnheader", { name: label }).waitFor();
      await page.getByTestId("record-row").getByText("Friend", { exact: true }).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("the lists fit a 375px phone and scroll inside their box", async () => {
    const { page, problems, close } = await openPage(browser, { viewport: PHONE });
    try {
      await signIn(page, demoLogin("sales"));
      for (const path of ["/contacts", "/companies", "/leads", "/deals"]) {
        await openList(page, path);
        await assertNoHorizontalScroll(page, `${path} at 375px`);
        const box = page.getByTestId("record-list");
        const scrolls = await box.evaluate((el) => el.scrollWidth > el.clientWidth);
        assert.ok(scrolls, `${path}: wide columns scroll inside the list`);
        if (path === "/contacts" || path === "/deals") await screenshot(page, `lists${path.replace("/", "-")}-375`, { fullPage: false });
      }
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });
});
