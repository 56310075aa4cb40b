import { describe, expect, it } from "vitest";
import { amountIn, formatAmounts, mainCurrency, sumAmounts } from "./types";

describe("dashboard money", () => {
  const eur = { currency: "EUR", amount: "3000.00" };
  const usd = { currency: "USD", amount: "1000.00" };

  it("adds per currency, never across currencies", () => {
    expect(sumAmounts([[eur, usd], [{ currency: "EUR", amount: "500" }], null])).toEqual([
      { currency: "EUR", amount: "3500.00" },
      { currency: "USD", amount: "1000.00" },
    ]);
    expect(mainCurrency([usd, eur])).toBe("EUR");
    expect(mainCurrency([])).toBeNull();
  });

  it("names each currency and hides what the role may not see", () => {
    const line = formatAmounts([eur, usd], false);
    expect(line).toContain(" + ");
    expect(line).toMatch(/3,000|3\.000|3 000/);
    expect(line).toMatch(/\$|USD/);
    expect(formatAmounts(null)).toBeNull();
    expect(amountIn([eur, usd], "USD")).toBe(1000);
    expect(amountIn([eur], "USD")).toBe(0);
    expect(amountIn(null, "EUR")).toBeNull();
  });

  it("prints no empty decimals in compact amounts", () => {
    const small = formatAmounts([{ currency: "EUR", amount: "600.00" }]);
    expect(small).toMatch(/600/);
    expect(small).not.toMatch(/600[.,]0/);
    expect(formatAmounts([{ currency: "EUR", amount: "12345" }])).toMatch(/12[.,]3/);
  });
});
