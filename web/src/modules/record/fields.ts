import { z } from "zod";

/** Inline-edit value → API value: blank text clears the field. */
export const textOrNull = (value: string): string | null => (value.trim() === "" ? null : value.trim());

/** "a, b ,c" → ["a", "b", "c"] (tags typed as one line). */
export const splitList = (value: string): string[] =>
  value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);

export const requiredText = (what: string, max = 200) => z.string().trim().min(1, `Enter the ${what}.`).max(max, `Use at most ${max} characters.`);
export const optionalText = (max: number) => z.string().trim().max(max, `Use at most ${max} characters.`);
export const emailText = z.string().trim().refine((v) => v === "" || z.email().safeParse(v).success, "Enter an e-mail address like name@example.com.");
export const amountText = z.string().trim().refine((v) => v === "" || (/^\d+(\.\d{1,2})?$/.test(v) && Number(v) >= 0), "Enter an amount like 12500 or 12500.50.");
export const percentText = z.string().trim().refine((v) => v === "" || (/^\d+$/.test(v) && Number(v) <= 100), "Enter a whole number from 0 to 100.");
export const integerText = z.string().trim().refine((v) => v === "" || /^\d+$/.test(v), "Enter a whole number.");
export const currencyText = z.string().trim().toUpperCase().refine((v) => /^[A-Z]{3}$/.test(v), "Use a three-letter code such as EUR.");
export const tagsText = z.string().refine((v) => splitList(v).length <= 50, "Use at most 50 tags.");
