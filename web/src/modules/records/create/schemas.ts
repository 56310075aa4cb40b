import { z } from "zod";

/** Custom field values in a create form (see CustomFieldInputs). */
export const customSchema = z.record(z.string(), z.union([z.string(), z.boolean(), z.array(z.string())]).optional()).optional();

export const optionalEmail = z
  .string()
  .trim()
  .max(320, "That e-mail address is too long.")
  .refine((value) => value === "" || /^[^@\s]+@[^@\s]+\.[^@\s]{2,}$/.test(value), "Enter a valid e-mail address.");

export const optionalPhone = z
  .string()
  .trim()
  .max(40, "That phone number is too long.")
  .refine((value) => value === "" || /^\+?[0-9 ()./-]{5,30}$/.test(value), "Enter a valid phone number.");

export const optionalAmount = z
  .string()
  .trim()
  .refine((value) => value === "" || (/^\d+(\.\d{1,2})?$/.test(value) && Number(value) < 1e16), "Enter an amount like 4500 or 4500.50.");

export const currencySchema = z
  .string()
  .trim()
  .toUpperCase()
  .refine((value) => value === "" || /^[A-Z]{3}$/.test(value), "Use a 3-letter code such as EUR.");

/** "" → undefined, so optional fields the person left empty are not sent. */
export function orUndefined(value: string): string | undefined {
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}
