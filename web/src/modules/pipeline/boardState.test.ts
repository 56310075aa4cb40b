import { describe, expect, it } from "vitest";
import { appendPage, columnItems, moveCard, neighbours } from "./boardState";
import { sumByCurrency } from "./format";
import type { Board, BoardColumn, DealCard } from "./queries";

function card(id: string, stageId: string, amount: string | null = "100.00", currency = "EUR"): DealCard {
  return {
    id,
    name: `Deal ${id}`,
    stage_id: stageId,
    board_rank: id,
    status: "open",
    amount,
    currency,
    probability: 10,
    expected_close_date: null,
    owner_id: null,
    company_id: null,
    company_name: null,
    tags: [],
    version: 1,
    stage_entered_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
  };
}

function column(stageId: string, cards: DealCard[], nextCursor: string | null = null, extra = 0): BoardColumn {
  const amount = cards.reduce((sum, c) => sum + Number(c.amount ?? 0), 0).toFixed(2);
  return {
    stage: { id: stageId, pipeline_id: "p", name: stageId, position: 0, probability: 10, is_won: false, is_lost: false },
    count: cards.length + extra,
    total_amount: amount,
    totals: cards.length ? [{ currency: "EUR", count: cards.length + extra, amount, weighted_amount: null }] : [],
    cards,
    next_cursor: nextCursor,
  };
}

function board(...columns: BoardColumn[]): Board {
  return { pipeline: { id: "p", name: "P", position: 0, is_default: true, archived_at: null, stages: [] }, columns };
}

describe("neighbours", () => {
  it("names the cards above and below", () => {
    expect(neighbours(["1", "2", "3"], "2")).toEqual({ after_id: "1", before_id: "3" });
    expect(neighbours(["2", "3"], "2")).toEqual({ after_id: null, before_id: "3" });
    expect(neighbours(["2"], "2")).toEqual({ after_id: null, before_id: null });
  });
});

describe("moveCard", () => {
  it("moves the card, its counts and its amounts to the new column in the given order", () => {
    const start = board(column("a", [card("1", "a", "250.00"), card("2", "a")]), column("b", [card("3", "b")]));
    const next = moveCard(start, "1", "b", ["3", "1"]);
    const [a, b] = next.columns;
    expect(a?.cards.map((c) => c.id)).toEqual(["2"]);
    expect(a?.count).toBe(1);
    expect(a?.total_amount).toBe("100.00");
    expect(b?.cards.map((c) => [c.id, c.stage_id])).toEqual([["3", "b"], ["1", "b"]]);
    expect(b?.count).toBe(2);
    expect(b?.total_amount).toBe("350.00");
    // The original is untouched: it is the rollback snapshot.
    expect(start.columns[0]?.cards).toHaveLength(2);
  });

  it("reorders within a column without touching counts", () => {
    const start = board(column("a", [card("1", "a"), card("2", "a")]));
    const next = moveCard(start, "1", "a", ["2", "1"]);
    expect(next.columns[0]?.cards.map((c) => c.id)).toEqual(["2", "1"]);
    expect(next.columns[0]?.count).toBe(2);
  });

  it("only counts a card dropped on a column whose end is not loaded", () => {
    const start = board(column("a", [card("1", "a")]), column("b", [card("3", "b")], "cursor", 40));
    const next = moveCard(start, "1", "b");
    expect(next.columns[1]?.cards.map((c) => c.id)).toEqual(["3"]);
    expect(next.columns[1]?.count).toBe(42);
  });

  it("keeps amounts hidden for roles that may not see them", () => {
    const hidden = (c: BoardColumn): BoardColumn => ({
      ...c,
      total_amount: null,
      totals: c.totals.map((t) => ({ ...t, amount: null })),
      cards: c.cards.map((x) => ({ ...x, amount: null })),
    });
    const start = board(hidden(column("a", [card("1", "a")])), hidden(column("b", [])));
    const next = moveCard(start, "1", "b");
    expect(next.columns[1]?.total_amount).toBeNull();
    expect(next.columns[1]?.count).toBe(1);
  });
});

describe("appendPage", () => {
  it("appends new cards once and takes the next cursor", () => {
    const start = board(column("a", [card("1", "a")], "c1"));
    const next = appendPage(start, "a", [card("1", "a"), card("2", "a")], null);
    expect(next.columns[0]?.cards.map((c) => c.id)).toEqual(["1", "2"]);
    expect(next.columns[0]?.next_cursor).toBeNull();
    expect(columnItems(next)).toEqual({ a: ["1", "2"] });
  });
});

describe("sumByCurrency", () => {
  it("adds column totals per currency", () => {
    const sums = sumByCurrency([
      { currency: "EUR", count: 2, amount: "100.00", weighted_amount: null },
      { currency: "USD", count: 1, amount: "5.00", weighted_amount: null },
      { currency: "EUR", count: 1, amount: "50.50", weighted_amount: null },
    ]);
    expect(sums).toEqual([
      { currency: "EUR", count: 3, amount: "150.50", weighted_amount: null },
      { currency: "USD", count: 1, amount: "5.00", weighted_amount: null },
    ]);
  });
});
