/**
 * Shapes of /api/v1/dashboards/* responses. The backend returns these as plain JSON objects
 * (no response model, so the generated client types them as `unknown` maps); amounts arrive as
 * decimal strings, or null for roles that may not see deal amounts.
 */
export type Money = string | number | null;

export type PipelineSummary = {
  stages: { stage_id: string; name: string; probability: number; count: number; amount: Money }[];
};

export type WinRateSummary = {
  periods: { period: string; won: number; lost: number; won_amount: Money; win_rate: number | null }[];
};

export type ClosingSummary = {
  count: number;
  amount: Money;
  weighted_amount: Money;
  deals: {
    id: string;
    name: string;
    amount: Money;
    currency: string;
    expected_close_date: string | null;
    probability: number | null;
  }[];
};

export type LeadSourcesSummary = { sources: { source: string; count: number; converted: number }[] };

export type ActivitiesSummary = { overdue: number; today: number; next_7_days: number; later: number };

export type TopAccountsSummary = {
  accounts: { company_id: string; name: string; won_amount: Money; won_deals: number }[];
};

export function toNumber(value: Money | undefined): number | null {
  if (value === null || value === undefined || value === "") return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}
