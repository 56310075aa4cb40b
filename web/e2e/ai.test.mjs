// The AI panels against the real stack WITH the real AI service (scripts/e2e.sh starts it and waits
// for its models): every number, label and sentence checked here is model output, not a fixture.
// A sales user sees lead scores and the popover of reasons; asks a contact's next best actions and
// drafts an e-mail; watches a new note get its sentiment badge; finds a note by a paraphrase in the
// search palette; an admin reads the forecast's P10-P90 band; a voice note is transcribed and its
// proposed update reviewed.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { assertAxisLabelsApart, assertNoHorizontalScroll, baseUrl, DEMO_PASSWORD, demoLogin, launchBrowser, openPage, PHONE, screenshot, signIn } from "./support.mjs";

const aiUrl = process.env.CRM_E2E_AI_URL?.replace(/\/+$/, "");
// Background jobs (sentiment, search indexing) retry on a 3 s, 9 s, 27 s back-off when they ran
// before the models were loaded: a minute covers the first retries on a loaded machine.
const BACKGROUND_MS = 90_000;
// Real speech (espeak-ng, made once for the AI service's tests): "Please call Marta Ruiz next
// Friday. The new quote is twelve thousand euros."
const SPEECH = fileURLToPath(new URL("../../ai/tests/data/speech.ogg", import.meta.url));

let browser;
const tokens = {};

async function apiToken(role) {
  tokens[role] ??= await (async () => {
    const response = await fetch(`${baseUrl}/api/v1/auth/sign-in`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: demoLogin(role), password: DEMO_PASSWORD }),
    });
    assert.equal(response.status, 200, `the ${role} demo user signs in through the API`);
    return (await response.json()).access_token;
  })();
  return tokens[role];
}

/** Calls the API as a demo user (setting the scene outside the browser). */
async function apiCall(role, method, path, body) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${await apiToken(role)}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Polls `probe` until it returns a truthy value (background work), or fails saying what it waited for. */
async function eventually(what, probe, timeoutMs = BACKGROUND_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    assert.ok(Date.now() < deadline, `waited ${timeoutMs / 1000} s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

const suffix = () => Date.now().toString(36);

before(async () => {
  assert.ok(aiUrl, "the AI suite needs the AI service: run it through scripts/e2e.sh with ai/.venv installed (CRM_E2E_AI_URL)");
  const ready = await fetch(`${aiUrl}/readyz`);
  assert.equal(ready.status, 200, `the AI service at ${aiUrl} has loaded its models`);
  // The backend may have met the AI service while it was still loading (demo seeding queues AI jobs
  // at once) and opened its circuit breaker; it answers 503 with Retry-After until a probe gets
  // through. Wait for that, as a browser user would retry, before judging any panel.
  await eventually("the backend to reach the AI service", async () => {
    const response = await fetch(`${baseUrl}/api/v1/ai/leads/model`, { headers: { Authorization: `Bearer ${await apiToken("sales")}` } });
    return response.status !== 503;
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

describe("AI panels with the real AI service", () => {
  it("shows lead scores in the list and the reasons in the score's popover", async () => {
    // Score a page of leads now with the organisation's model (the hourly sweep would, later).
    const page1 = await apiCall("sales", "GET", "/api/v1/leads?limit=25");
    const open = page1.items.filter((lead) => !lead.converted_at && lead.status !== "lost").map((lead) => lead.id);
    assert.ok(open.length > 0, "the demo organisation has open leads");
    const scored = await apiCall("sales", "POST", "/api/v1/ai/leads/score", { lead_ids: open });
    assert.ok(scored.results.length > 0, "the AI service scored the leads");

    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, demoLogin("sales"));
      await page.goto(`${baseUrl}/leads`);
      const chip = page.getByRole("button", { name: /^Score \d+ out of 100: show why$/ }).first();
      await chip.waitFor();
      const shown = Number((await chip.textContent())?.trim());
      assert.ok(shown >= 0 && shown <= 100, `a score between 0 and 100 is shown (${shown})`);
      await chip.click();
      const popover = page.getByRole("dialog").filter({ hasText: `Score ${shown} / 100` });
      await popover.waitFor();
      const reasons = popover.getByRole("list", { name: "Top factors" }).getByRole("listitem");
      await reasons.first().waitFor();
      assert.ok((await reasons.count()) >= 1, "the popover lists the model's reasons");
      const first = await reasons.first().textContent();
      assert.match(first ?? "", /(Raises|Lowers): \S/, "each reason says which way it moves the score");
      await popover.getByText(/^Model \S+ · scored /).waitFor();
      await screenshot(page, "ai-lead-score-popover");
      await page.keyboard.press("Escape");
      await popover.waitFor({ state: "hidden" });
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  it("suggests next best actions on a contact and drafts an e-mail", async () => {
    const contact = await apiCall("sales", "POST", "/api/v1/contacts", {
      first_name: "Nadia",
      last_name: `Actions ${suffix()}`,
      job_title: "Practice manager",
      emails: [`nadia.${suffix()}@e2e.cliniglobal.example`],
      lifecycle_stage: "opportunity",
      consent_email: true,
    });
    // Last spoken to three months ago: the model should suggest re-engaging by e-mail.
    const longAgo = new Date(Date.now() - 90 * 86_400_000).toISOString();
    await apiCall("sales", "POST", "/api/v1/activities", {
      kind: "note",
      body: "Met at the Lisbon trade fair; interested in the occupational health package for 40 staff.",
      occurred_at: longAgo,
      completed: true,
      contact_id: contact.id,
    });
    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, demoLogin("sales"));
      await page.goto(`${baseUrl}/contacts/${contact.id}`);
      await page.getByRole("heading", { level: 1, name: `Nadia ${contact.last_name}` }).waitFor();
      await page.getByRole("button", { name: "Suggest next actions" }).click();
      const actions = page.getByRole("list", { name: "Next best actions" }).getByRole("listitem");
      await actions.first().waitFor();
      assert.ok((await actions.count()) >= 1, "at least one action is suggested");
      const reEngage = actions.filter({ hasText: "Re engage" });
      await reEngage.waitFor();
      assert.match((await reEngage.textContent()) ?? "", /Priority \d+/, "each action has a priority");
      await reEngage.getByText(/No contact for 9\d days/).waitFor();
      await reEngage.getByText(/^By email, within \d+ days$/).waitFor();
      await screenshot(page, "ai-next-actions");

      // A draft from a template for that action, personalised with the contact's details.
      await reEngage.getByRole("button", { name: "Draft the e-mail" }).click();
      const dialog = page.getByRole("dialog", { name: "Draft an e-mail" });
      await dialog.waitFor();
      // The action's own template is chosen for the user.
      const template = dialog.getByLabel("Template");
      await eventually("the re-engage template to be preselected", async () => (await template.inputValue()) === "re_engage|en", 15_000);
      await dialog.getByRole("button", { name: "Write draft" }).click();
      const draft = dialog.locator("[data-email-draft]");
      await draft.waitFor();
      await draft.getByText("Health checks for the coming season", { exact: true }).waitFor();
      const text = (await draft.textContent()) ?? "";
      assert.ok(text.includes("Hi Nadia,"), `the draft addresses the contact by name: ${text.slice(0, 200)}`);
      assert.ok(text.includes("Sam Sales"), "the draft is signed by the user");
      await screenshot(page, "ai-email-draft");
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  it("gives a new note a sentiment badge once the AI has read it", async () => {
    const contact = await apiCall("sales", "POST", "/api/v1/contacts", { first_name: "Omar", last_name: `Sentiment ${suffix()}`, job_title: "Clinic owner" });
    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, demoLogin("sales"));
      await page.goto(`${baseUrl}/contacts/${contact.id}`);
      await page.getByRole("heading", { level: 1, name: `Omar ${contact.last_name}` }).waitFor();
      const text = "Very unhappy: the scanner broke down again, support never called back and he is furious about the wasted week.";
      await page.getByRole("textbox", { name: "Note", exact: true }).fill(text);
      await page.getByRole("button", { name: "Add note" }).click();
      const note = page.locator('[data-timeline-entry="activity"][data-activity-kind="note"]').filter({ hasText: "scanner broke down again" });
      await note.waitFor();
      // Read by the sentiment job the note's creation queued; the page shows it when it comes back.
      await eventually("the note's sentiment badge", async () => {
        if ((await note.getByTitle("Sentiment read by the AI from the text").count()) > 0) return true;
        await page.reload();
        await note.waitFor();
        return false;
      });
      await note.getByTitle("Sentiment read by the AI from the text").getByText("Negative", { exact: true }).waitFor();
      await screenshot(page, "ai-note-sentiment");
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  it("shows the forecast's P10-P90 band", async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      // Drawn at once, not mid-animation (Recharts honours the setting), so the screenshot shows it.
      await page.emulateMedia({ reducedMotion: "reduce" });
      await signIn(page, demoLogin("admin"));
      await page.goto(`${baseUrl}/forecast`);
      await page.getByRole("heading", { level: 1, name: "Forecast" }).waitFor();
      const period = page.locator("[data-forecast-period]").first();
      await period.waitFor({ timeout: 60_000 });
      const range = (await period.getByText(/^P10 .* · P90 /).textContent()) ?? "";
      const [p10, p90] = range.split("·").map((part) => Number(part.replace(/[^\d]/g, "")));
      assert.ok(p10 <= p90, `P10 is at most P90: ${range}`);
      const chart = page.getByRole("img", { name: /P10 to P90 range/ });
      await chart.waitFor();
      // The band is drawn: Recharts renders the P10-P90 area as a filled path, as tall as P90 - P10
      // of the first period at least somewhere, and the P50 line through it.
      const band = chart.locator("path.recharts-area-area").first();
      await band.waitFor();
      const box = await band.boundingBox();
      assert.ok(box && box.width > 50 && box.height > 5, `the band is drawn across the forecast periods: ${JSON.stringify(box)}`);
      await chart.locator("path.recharts-line-curve").first().waitFor();
      await assertAxisLabelsApart(page, "the forecast");
      await screenshot(page, "ai-forecast");
      await page.setViewportSize(PHONE);
      await page.waitForTimeout(300);
      await assertNoHorizontalScroll(page, "the forecast on a phone");
      await assertAxisLabelsApart(page, "the forecast on a phone");
      await screenshot(page, "ai-forecast-phone");
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });
  it("transcribes a voice note and applies the update the user accepts", async () => {
    const contact = await apiCall("sales", "POST", "/api/v1/contacts", { first_name: "Marta", last_name: `Voice ${suffix()}`, job_title: "Buyer" });
    const { page, problems, close } = await openPage(browser);
    try {
      await signIn(page, demoLogin("sales"));
      await page.goto(`${baseUrl}/contacts/${contact.id}`);
      await page.getByRole("heading", { level: 1, name: `Marta ${contact.last_name}` }).waitFor();
      await page.getByLabel("Recording to transcribe").setInputFiles(SPEECH);
      // The list polls while the job transcribes; a ready transcript offers its review.
      const item = page.getByRole("list", { name: "Transcripts" }).getByRole("listitem").first();
      await item.getByRole("button", { name: /^(Review|Open)$/ }).click({ timeout: BACKGROUND_MS });
      const review = page.locator("[data-transcript]");
      await review.waitFor();
      await review.getByText("Full transcript").click();
      await review.getByText(/Marta/).first().waitFor();
      const proposal = review.locator("[data-proposal]").first();
      await proposal.waitFor();
      await screenshot(page, "ai-transcript-review");
      await proposal.getByRole("button", { name: "Accept", exact: true }).click();
      await proposal.getByText("Accepted", { exact: true }).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  it("finds a note by a paraphrase in the search palette (semantic hit)", async () => {
    const contact = await apiCall("sales", "POST", "/api/v1/contacts", { first_name: "Ines", last_name: `Palette ${suffix()}`, job_title: "Radiologist" });
    const token = suffix();
    const body = `The X-ray machine keeps overheating during long sessions (ticket ${token}); the clinic wants an engineer visit.`;
    const note = await apiCall("sales", "POST", "/api/v1/activities", { kind: "note", body, contact_id: contact.id });
    // Shares no word with the note: only the vector index can find it.
    const paraphrase = "radiography device gets too hot";
    // Indexed by the search job behind whatever is queued before it (a fresh stack is still indexing
    // the demo data): the slowest wait of the suite, so this test runs last.
    await eventually(
      "the note in the vector index",
      async () => {
        const found = await apiCall("sales", "GET", `/api/v1/search?q=${encodeURIComponent(paraphrase)}&limit=12`);
        assert.equal(found.semantic, true, `semantic search is on: ${found.reason ?? ""}`);
        return found.items.some((hit) => hit.id === note.id);
      },
      300_000,
    );

    const { page, problems, close } = await openPage(browser, { viewport: PHONE });
    try {
      await signIn(page, demoLogin("sales"));
      await page.getByRole("button", { name: "Search" }).first().click();
      const palette = page.getByRole("dialog", { name: "Search" });
      await palette.getByRole("combobox").fill(paraphrase);
      const hit = palette.getByRole("option").filter({ hasText: `ticket ${token}` });
      await hit.waitFor();
      await hit.getByText("Semantic", { exact: true }).waitFor();
      await screenshot(page, "ai-search-semantic");
      assert.deepEqual(problems, []);
    } finally {
      await close();
      // Deleting the note drops its vectors, so reruns on the same data do not crowd the results.
      await apiCall("sales", "DELETE", `/api/v1/activities/${note.id}`);
    }
  });
});
