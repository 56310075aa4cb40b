import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { OBJECTS } from "./objects";
import { SentimentCell } from "./SentimentCell";

describe("SentimentCell", () => {
  it("shows the stored label and what it rests on", () => {
    render(<SentimentCell row={{ sentiment_label: "negative", sentiment_score: -0.1778, sentiment_count: 2, sentiment_at: null }} />);
    const badge = screen.getByText("Negative");
    expect(badge.closest("[title]")?.getAttribute("title")).toContain("score -0.18");
    expect(badge.closest("[title]")?.getAttribute("title")).toContain("from 2 analysed activities");
  });

  it("shows a dash when nothing was analysed", () => {
    render(<SentimentCell row={{ sentiment_label: null, sentiment_score: null, sentiment_count: 0 }} />);
    expect(screen.queryByText(/positive|negative|neutral/i)).toBeNull();
    expect(screen.getByTitle(/No analysed/)).toBeTruthy();
  });

  it("is a sortable column and filterable by label and score on contacts and companies", () => {
    for (const key of ["contacts", "companies"] as const) {
      const config = OBJECTS[key];
      expect(config.columns.find((c) => c.key === "sentiment")?.sort).toBe("sentiment_score");
      const label = config.filters.find((f) => f.name === "sentiment_label");
      expect(label?.kind).toBe("enum");
      expect(label?.choices).toEqual(["negative", "neutral", "positive"]);
      expect(config.filters.find((f) => f.name === "sentiment_score")?.kind).toBe("number");
    }
  });
});
