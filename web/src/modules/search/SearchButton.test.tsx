import { fireEvent, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { renderScreen, stubApi } from "@/test/render";
import { SearchButton } from "./SearchButton";
import { groupHits } from "./searchQueries";
import { isSearchShortcut } from "./useSearchShortcut";

// jsdom lacks what cmdk measures and scrolls with; the palette's behaviour does not depend on them.
beforeEach(() => {
  vi.stubGlobal(
    "ResizeObserver",
    class {
      observe() {}
      unobserve() {}
      disconnect() {}
    },
  );
  Object.defineProperty(Element.prototype, "scrollIntoView", { value: () => undefined, configurable: true });
});

const me = { permissions: { "search:read": "all", "leads:read": "all" } };
const hit = (type: string, id: string, title: string, found_by: string[]) => ({
  type,
  id,
  title,
  snippet: `${title} snippet`,
  score: 0.03,
  ranks: {},
  found_by,
});

describe("global search", () => {
  it("opens on Ctrl+K and '/' but not on '/' typed in a field", () => {
    const input = document.createElement("input");
    expect(isSearchShortcut({ key: "k", ctrlKey: true, metaKey: false, altKey: false, target: document.body })).toBe(true);
    expect(isSearchShortcut({ key: "K", ctrlKey: false, metaKey: true, altKey: false, target: document.body })).toBe(true);
    expect(isSearchShortcut({ key: "/", ctrlKey: false, metaKey: false, altKey: false, target: document.body })).toBe(true);
    expect(isSearchShortcut({ key: "/", ctrlKey: false, metaKey: false, altKey: false, target: input })).toBe(false);
    expect(isSearchShortcut({ key: "k", ctrlKey: false, metaKey: false, altKey: false, target: document.body })).toBe(false);
  });

  it("groups hits by type in the order of each group's best hit", () => {
    const groups = groupHits([
      { type: "deal", id: "1", title: "a", snippet: "", foundBy: ["fulltext"] },
      { type: "contact", id: "2", title: "b", snippet: "", foundBy: ["fulltext"] },
      { type: "deal", id: "3", title: "c", snippet: "", foundBy: ["vector"] },
    ]);
    expect(groups.map((g) => [g.type, g.hits.map((h) => h.id)])).toEqual([
      ["deal", ["1", "3"]],
      ["contact", ["2"]],
    ]);
  });

  it("searches records and leads from the keyboard shortcut, marking hits found by meaning", async () => {
    const { sent } = stubApi({
      "GET /api/v1/search": {
        status: 200,
        body: {
          query: "madrid",
          semantic: true,
          model: "all-MiniLM-L6-v2",
          items: [hit("company", "c1", "Clínica Madrid Norte", ["fulltext", "vector"]), hit("contact", "p1", "Ana Ruiz", ["vector"])],
        },
      },
      "GET /api/v1/leads": {
        status: 200,
        body: { items: [{ id: "l1", first_name: "Luis", last_name: "Gómez", email: "luis@madrid.example", company_name: "Dental Madrid", status: "new" }], next_cursor: null },
      },
    });
    renderScreen(<SearchButton me={me} pages={[{ to: "/", label: "Home" }]} />);
    await screen.findByRole("button", { name: "Search" });
    fireEvent.keyDown(window, { key: "k", ctrlKey: true });
    const dialog = await screen.findByRole("dialog");
    await userEvent.type(within(dialog).getByRole("combobox"), "madrid");

    const ana = await within(dialog).findByRole("option", { name: /Ana Ruiz/ });
    expect(within(ana).getByText("Semantic")).toBeInTheDocument();
    const clinic = within(dialog).getByRole("option", { name: /Clínica Madrid Norte/ });
    expect(within(clinic).getByText("Words + meaning")).toBeInTheDocument();
    expect(within(dialog).getByRole("option", { name: /Luis Gómez/ })).toBeInTheDocument();
    expect(within(dialog).getByText("Leads")).toBeInTheDocument();
    expect(sent("GET", "/api/v1/search").at(-1)?.url.searchParams.get("q")).toBe("madrid");
    expect(within(dialog).queryByText(/meaning search is unavailable/)).not.toBeInTheDocument();
  }, 15_000);

  it("says when meaning search is down and only words were matched", async () => {
    stubApi({
      "GET /api/v1/search": {
        status: 200,
        body: { query: "x", semantic: false, reason: "the AI service is unavailable", items: [hit("deal", "d1", "Renewal 2026", ["fulltext"])] },
      },
      "GET /api/v1/leads": { status: 200, body: { items: [], next_cursor: null } },
    });
    renderScreen(<SearchButton me={me} pages={[]} />);
    await userEvent.click(await screen.findByRole("button", { name: "Search" }));
    await userEvent.type(within(screen.getByRole("dialog")).getByRole("combobox"), "renewal");
    expect(await screen.findByText(/meaning search is unavailable \(the AI service is unavailable\)/)).toBeInTheDocument();
    expect(screen.getByRole("option", { name: /Renewal 2026/ })).toBeInTheDocument();
  }, 15_000);
});
