import { z } from "zod";

export const pipelineSchema = z.object({
  name: z.string().trim().min(1, "Name the pipeline.").max(120, "Use at most 120 characters."),
});
export type PipelineValues = z.infer<typeof pipelineSchema>;

export const stageSchema = z
  .object({
    name: z.string().trim().min(1, "Name the stage.").max(120, "Use at most 120 characters."),
    probability: z.number({ error: "Give a number from 0 to 100." }).int("Use a whole number.").min(0, "Use 0 to 100.").max(100, "Use 0 to 100."),
    outcome: z.enum(["open", "won", "lost"]),
  })
  .refine((v) => v.outcome !== "won" || v.probability === 100, { path: ["probability"], error: "A won stage is 100% likely." })
  .refine((v) => v.outcome !== "lost" || v.probability === 0, { path: ["probability"], error: "A lost stage is 0% likely." });
export type StageValues = z.infer<typeof stageSchema>;

/** The stages a new pipeline starts with (the server's default set; renamed or removed later). */
export const STARTER_STAGES = [
  { name: "Enquiry", probability: 10, is_won: false, is_lost: false },
  { name: "Consultation booked", probability: 25, is_won: false, is_lost: false },
  { name: "Treatment plan", probability: 50, is_won: false, is_lost: false },
  { name: "Proposal sent", probability: 75, is_won: false, is_lost: false },
  { name: "Won", probability: 100, is_won: true, is_lost: false },
  { name: "Lost", probability: 0, is_won: false, is_lost: true },
];
