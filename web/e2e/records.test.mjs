// Record pages against the real stack (demo organisation): a sales user opens a contact created
// through the API, edits a field inline (it persists after reload), logs a note and plans a task,
// uploads an image and previews it, converts a lead; an edit made on a stale version shows the
// conflict message and reloads; phone-sized screenshots without sideways scroll.
import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { assertNoHorizontalScroll, baseUrl, DEMO_PASSWORD, demoLogin, expectedError, launchBrowser, openPage, PHONE, screenshot } from "./support.mjs";

/** Signs in with the password form (the exact button name: the page also offers SSO sign-in). */
async function signIn(page, email) {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/sign-in"));
}

let browser;
let token;
before(async () => {
  browser = await launchBrowser();
  const response = await fetch(`${baseUrl}/api/v1/auth/sign-in`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: demoLogin("sales"), password: DEMO_PASSWORD }),
  });
  assert.equal(response.status, 200, "the sales demo user signs in through the API");
  token = (await response.json()).access_token;
  assert.ok(token, "sign-in returns an access token");
});
after(async () => {
  await browser?.close();
});

/** Calls the API as the sales user (outside the browser: "someone else" for conflict tests). */
async function apiCall(method, path, body, headers = {}) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const suffix = () => Date.now().toString(36);

/** A small valid PNG (solid colour), built here so the test needs no fixture file. */
function png(width = 24, height = 16) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 2;
  const rows = Buffer.concat(Array.from({ length: height }, () => Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => [37, 99, 235]).flat())])));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", header), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}

/** Opens the editor of a field on the record page, types the value and saves it with Enter. */
async function editField(page, label, value) {
  await page.getByRole("button", { name: `Edit ${label}`, exact: true }).click();
  const input = page.getByRole("textbox", { name: label, exact: true });
  await input.fill(value);
  await input.press("Enter");
}

describe("record pages", () => {
  it("lets a sales user edit a contact inline, log a note and a task, and upload and preview a file", async () => {
    const contact = await apiCall("POST", "/api/v1/contacts", { first_name: "Rita", last_name: `Records ${suffix()}`, job_title: "Nurse", emails: [`rita.${suffix()}@e2e.cliniglobal.example`] });
    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, demoLogin("sales"));
      await page.goto(`${baseUrl}/contacts/${contact.id}`);
      await page.getByRole("heading", { level: 1, name: `Rita ${contact.last_name}` }).waitFor();

      // Inline edit, persisted: the PATCH carries the version, the reload shows the new value.
      const patched = page.waitForResponse((r) => r.url().endsWith(`/api/v1/contacts/${contact.id}`) && r.request().method() === "PATCH");
      await editField(page, "Job title", "Head nurse");
      const patch = await patched;
      assert.equal(patch.status(), 200);
      assert.equal(patch.request().headers()["if-match"], `"${contact.version}"`);
      await page.getByRole("button", { name: "Edit Job title" }).getByText("Head nurse").waitFor();
      await page.reload();
      await page.getByRole("button", { name: "Edit Job title" }).getByText("Head nurse").waitFor();
      // The change is on the timeline as a field change.
      await page.locator('[data-timeline-entry="field_change"]').filter({ hasText: "Head nurse" }).first().waitFor();

      // A note.
      await page.getByRole("textbox", { name: "Note", exact: true }).fill("Asked about the implant pricing for March.");
      await page.getByRole("button", { name: "Add note" }).click();
      await page.locator('[data-timeline-entry="activity"][data-activity-kind="note"]').filter({ hasText: "implant pricing for March" }).waitFor();

      // A task with a due date and a reminder, then completed from the timeline.
      await page.getByRole("tab", { name: "Task" }).click();
      await page.getByLabel("What needs doing").fill("Send the revised quote");
      await page.getByLabel("Due", { exact: true }).fill("2030-03-10T09:00");
      await page.getByLabel("Reminder (optional)").fill("2030-03-10T08:30");
      await page.getByRole("button", { name: "Create task" }).click();
      const task = page.locator('[data-timeline-entry="activity"][data-activity-kind="task"]').filter({ hasText: "Send the revised quote" });
      await task.getByText("Open", { exact: true }).waitFor();
      await task.getByRole("button", { name: /^Mark done/ }).click();
      await task.getByText("Done", { exact: true }).waitFor();

      // Upload an image (progress shown while it goes), then preview it.
      await page.getByLabel("Files to attach").setInputFiles({ name: "scan.png", mimeType: "image/png", buffer: png() });
      const file = page.locator('[data-attachment="scan.png"]');
      await file.waitFor();
      await file.getByRole("button", { name: "scan.png", exact: true }).click();
      const image = page.getByRole("dialog").locator('img[data-preview="image"]');
      await image.waitFor();
      assert.ok(await image.evaluate((img) => img.complete && img.naturalWidth === 24), "the preview shows the uploaded image");
      await screenshot(page, "record-contact-preview");
      await page.getByRole("button", { name: "Close" }).click();
      await screenshot(page, "record-contact");
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  it("shows the conflict message when someone else saved first, and reloads their version", async () => {
    const contact = await apiCall("POST", "/api/v1/contacts", { first_name: "Conrad", last_name: `Conflict ${suffix()}`, job_title: "Dentist" });
    const { page, problems, close } = await openPage(browser, { expected: expectedError(412, `/api/v1/contacts/${contact.id}`) });
    try {
      await signIn(page, demoLogin("sales"));
      await page.goto(`${baseUrl}/contacts/${contact.id}`);
      await page.getByRole("heading", { level: 1, name: `Conrad ${contact.last_name}` }).waitFor();
      // Someone else changes the contact after the page loaded it.
      await apiCall("PATCH", `/api/v1/contacts/${contact.id}`, { job_title: "Orthodontist" }, { "If-Match": `"${contact.version}"` });
      await editField(page, "Job title", "Oral surgeon");
      await page.locator("[data-conflict]").waitFor();
      await page.getByRole("alert").filter({ hasText: "Someone else changed this contact" }).waitFor();
      await screenshot(page, "record-conflict");
      await page.locator("[data-conflict]").getByRole("button", { name: "Reload" }).click();
      await page.locator("[data-conflict]").waitFor({ state: "detached" });
      await page.getByRole("button", { name: "Cancel" }).click();
      await page.getByRole("button", { name: "Edit Job title" }).getByText("Orthodontist").waitFor();
      // Nothing was overwritten on the server.
      const stored = await apiCall("GET", `/api/v1/contacts/${contact.id}`);
      assert.equal(stored.job_title, "Orthodontist");
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  it("converts a lead into a contact, a company and a deal", async () => {
    const tag = suffix();
    const lead = await apiCall("POST", "/api/v1/leads", { first_name: "Leo", last_name: `Lead ${tag}`, company_name: `Smile Clinic ${tag}`, email: `leo.${tag}@smile-${tag}.example` });
    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, demoLogin("sales"));
      await page.goto(`${baseUrl}/leads/${lead.id}`);
      await page.getByRole("heading", { level: 1, name: `Leo Lead ${tag}` }).waitFor();
      await page.getByRole("button", { name: "Convert", exact: true }).click();
      const dialog = page.getByRole("dialog", { name: "Convert lead" });
      await dialog.getByLabel("Deal name").fill(`Smile Clinic ${tag} implants`);
      await dialog.getByLabel("Amount").fill("12500");
      await dialog.getByRole("button", { name: "Convert" }).click();
      await page.locator("[data-converted]").waitFor();
      assert.equal(await page.locator("[data-lead-status]").getAttribute("data-lead-status"), "converted");
      await page.getByRole("link", { name: "Open the deal" }).click();
      await page.getByRole("heading", { level: 1, name: `Smile Clinic ${tag} implants` }).waitFor();
      await page.getByRole("link", { name: "Leo Lead" + ` ${tag}` }).click();
      await page.getByRole("heading", { level: 1, name: `Leo Lead ${tag}` }).waitFor();
      await page.getByRole("link", { name: `Smile Clinic ${tag}`, exact: true }).first().waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  it("fits a phone: contact, company and deal pages without sideways scroll", async () => {
    const contacts = await apiCall("GET", "/api/v1/contacts?limit=1&company_id__empty=false");
    const contact = contacts.items[0];
    const deals = await apiCall("GET", "/api/v1/deals?limit=1");
    const { page, problems, close } = await openPage(browser, { viewport: PHONE });
    try {
      await signIn(page, demoLogin("sales"));
      await page.goto(`${baseUrl}/contacts/${contact.id}`);
      await page.locator('[data-timeline-entry]').first().waitFor();
      await assertNoHorizontalScroll(page, "the contact page");
      await screenshot(page, "record-contact-phone");
      await page.goto(`${baseUrl}/companies/${contact.company_id}`);
      await page.getByRole("heading", { level: 1 }).waitFor();
      await page.getByRole("list", { name: "Contacts" }).waitFor();
      await assertNoHorizontalScroll(page, "the company page");
      await screenshot(page, "record-company-phone");
      await page.goto(`${baseUrl}/deals/${deals.items[0].id}`);
      await page.getByRole("button", { name: "Mark won" }).or(page.locator("[data-deal-status]")).first().waitFor();
      await assertNoHorizontalScroll(page, "the deal page");
      await screenshot(page, "record-deal-phone");
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });
});
