import { describe, expect, it } from "vitest";
import { pipelineSchema, stageSchema } from "./pipelineForms";

describe("pipeline settings forms", () => {
  it("needs a pipeline name", () => {
    expect(pipelineSchema.safeParse({ name: "  " }).success).toBe(false);
    expect(pipelineSchema.safeParse({ name: "Implants" }).success).toBe(true);
  });

  it("keeps probabilities in 0..100 and consistent with won/lost", () => {
    expect(stageSchema.safeParse({ name: "Quote", probability: 40, outcome: "open" }).success).toBe(true);
    expect(stageSchema.safeParse({ name: "Quote", probability: 140, outcome: "open" }).success).toBe(false);
    const won = stageSchema.safeParse({ name: "Won", probability: 80, outcome: "won" });
    expect(won.success).toBe(false);
    expect(won.error?.issues[0]?.path).toEqual(["probability"]);
    expect(stageSchema.safeParse({ name: "Lost", probability: 0, outcome: "lost" }).success).toBe(true);
  });
});
