/**
 * Pure operations on the board as the query cache holds it: moving a card (with the column
 * counts and totals it changes), the neighbours the move endpoint needs, and merging the next
 * page of a column. Kept free of React so the optimistic update and its rollback are testable.
 */
import type { Board, BoardColumn, DealCard } from "./queries";

/** Card ids per stage, in board order: the shape drag and drop works on. */
export type ColumnItems = Record<string, string[]>;

export function columnItems(board: Board): ColumnItems {
  return Object.fromEntries(board.columns.map((column) => [column.stage.id, column.cards.map((card) => card.id)]));
}

export function findColumnOf(items: ColumnItems, id: string): string | undefined {
  if (id in items) return id;
  return Object.keys(items).find((stageId) => items[stageId]?.includes(id));
}

/** The cards right above and below `id` once it sits in `ids` (what POST /deals/{id}/move takes). */
export function neighbours(ids: readonly string[], id: string): { after_id: string | null; before_id: string | null } {
  const index = ids.indexOf(id);
  if (index < 0) return { after_id: null, before_id: null };
  return { after_id: ids[index - 1] ?? null, before_id: ids[index + 1] ?? null };
}

function addMoney(value: string | null | undefined, delta: number): string | null {
  if (value === null || value === undefined) return null;
  return (Number(value) + delta).toFixed(2);
}

/** A column's count and totals with one card more (sign 1) or less (sign -1). */
function adjustColumn(column: BoardColumn, card: DealCard, sign: 1 | -1): BoardColumn {
  const amount = card.amount === null ? 0 : Number(card.amount) * sign;
  let totals = column.totals.map((total) =>
    total.currency === card.currency ? { ...total, count: total.count + sign, amount: addMoney(total.amount, amount) } : total,
  );
  if (sign === 1 && !totals.some((total) => total.currency === card.currency)) {
    totals = [...totals, { currency: card.currency, count: 1, amount: card.amount, weighted_amount: null }];
  }
  totals = totals.filter((total) => total.count > 0);
  // One currency (or none) sums into total_amount; mixed currencies leave it to `totals`. The
  // server sends null for roles that may not see amounts (and "0.00" for an empty column).
  const amountsShown = column.total_amount !== null || column.totals.length > 1;
  const totalAmount = amountsShown && totals.length <= 1 ? (totals[0]?.amount ?? "0.00") : null;
  return { ...column, count: Math.max(0, column.count + sign), totals, total_amount: totalAmount };
}

/**
 * The board after moving card `id` to `stageId`, at `ids` order for that column when given
 * (the order drag and drop produced), else at the bottom of what is loaded. A column that has
 * more cards on the server (`next_cursor`) and no given order only gets its count changed: the
 * card belongs somewhere below what is loaded.
 */
export function moveCard(board: Board, id: string, stageId: string, ids?: readonly string[]): Board {
  const fromColumn = board.columns.find((column) => column.cards.some((card) => card.id === id));
  const card = fromColumn?.cards.find((c) => c.id === id);
  const toColumn = board.columns.find((column) => column.stage.id === stageId);
  if (!fromColumn || !card || !toColumn) return board;
  const moved: DealCard = { ...card, stage_id: stageId };
  const columns = board.columns.map((column) => {
    let next = column;
    if (column === fromColumn) {
      next = { ...next, cards: next.cards.filter((c) => c.id !== id) };
      if (fromColumn !== toColumn) next = adjustColumn(next, card, -1);
    }
    if (column === toColumn) {
      const others = next.cards.filter((c) => c.id !== id);
      let cards: DealCard[];
      if (ids) {
        const byId = new Map(others.map((c) => [c.id, c]));
        byId.set(id, moved);
        cards = ids.map((cardId) => byId.get(cardId)).filter((c): c is DealCard => c !== undefined);
        // Anything the caller's order left out keeps its place after the ordered ones.
        for (const other of others) if (!ids.includes(other.id)) cards.push(other);
      } else {
        cards = next.next_cursor === null ? [...others, moved] : others;
      }
      next = { ...next, cards };
      if (fromColumn !== toColumn) next = adjustColumn(next, card, 1);
    }
    return next;
  });
  return { ...board, columns };
}

/** The board with one card's server-side fields refreshed after a successful move. */
export function updateCard(board: Board, id: string, patch: Partial<DealCard>): Board {
  return {
    ...board,
    columns: board.columns.map((column) =>
      column.cards.some((card) => card.id === id)
        ? { ...column, cards: column.cards.map((card) => (card.id === id ? { ...card, ...patch } : card)) }
        : column,
    ),
  };
}

/** The board with the next page of one column appended (cards already shown are skipped). */
export function appendPage(board: Board, stageId: string, items: DealCard[], nextCursor: string | null): Board {
  return {
    ...board,
    columns: board.columns.map((column) => {
      if (column.stage.id !== stageId) return column;
      const seen = new Set(column.cards.map((card) => card.id));
      return { ...column, cards: [...column.cards, ...items.filter((card) => !seen.has(card.id))], next_cursor: nextCursor };
    }),
  };
}
