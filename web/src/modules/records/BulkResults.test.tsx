import { screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { renderScreen } from "@/test/render";
import { BulkResults } from "./BulkResults";

describe("BulkResults", () => {
  it("counts and lists each record's outcome, failures with their reason", async () => {
    renderScreen(
      <BulkResults
        outcome={{
          description: "Added tags: vip",
          results: [
            { id: "1", ok: true, error: null },
            { id: "2", ok: false, error: "you may not change this record" },
          ],
          names: new Map([
            ["1", "Ada Lovelace"],
            ["2", "Grace Hopper"],
          ]),
        }}
        onDismiss={vi.fn()}
      />,
    );
    expect(await screen.findByRole("status")).toHaveTextContent("Added tags: vip: 1 done, 1 failed.");
    const [first, second] = screen.getAllByTestId("bulk-result");
    if (!first || !second) throw new Error("two result rows expected");
    expect(within(first).getByText("Ada Lovelace")).toBeInTheDocument();
    expect(within(first).getByText("Done")).toBeInTheDocument();
    expect(within(second).getByText("You may not change this record.")).toBeInTheDocument();
  });
});
