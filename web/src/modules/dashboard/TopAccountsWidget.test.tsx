import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { axisLabels, stubChartBoxes } from "@/components/charts/chartBoxStub";
import { textWidth } from "@/components/charts/labels";
import type { DashboardSummary } from "./types";
import { TopAccountsWidget } from "./TopAccountsWidget";

const { setChartWidth } = stubChartBoxes();

const ready = { isPending: false, isError: false, error: null, refetch: () => undefined };
const account = (name: string, won: number) => ({ company_id: name, name, currency: "EUR", won_amount: String(won), won_deals: 1 });
const DATA: DashboardSummary["top_accounts"] = {
  accounts: [account("Banco Meridional", 450000), account("Harbour Health Insurance", 210000), account("Ayuntamiento de Villanueva", 120000), account("Veloce", 90000)],
};

function renderAt(width: number) {
  setChartWidth(width);
  render(<TopAccountsWidget data={DATA} state={ready} />);
  return screen.getByRole("img");
}

describe("TopAccountsWidget", () => {
  it("names every account in full beside its bar on a wide card", () => {
    const chart = renderAt(700);
    expect(axisLabels(chart, "y")).toEqual(DATA.accounts.map((a) => a.name));
  });

  it("cuts long names to 40% of a phone-width chart, keeping short ones whole and every name in its label", () => {
    const chart = renderAt(311);
    const names = axisLabels(chart, "y");
    expect(names).toContain("Veloce");
    expect(names.filter((name) => name.endsWith("…")).map((name) => name.slice(0, 7))).toEqual(["Harbour", "Ayuntam"]);
    // 40% of 311 px, less the gap to the bars.
    for (const name of names) expect(textWidth(name)).toBeLessThanOrEqual(Math.ceil(311 * 0.4) - 8);
    expect(chart).toHaveAccessibleName(expect.stringContaining("Ayuntamiento de Villanueva: €120"));
  });
});
