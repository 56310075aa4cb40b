import type { BadgeTone } from "@/components/ui/Badge";
import type { DuplicatePolicy, ImportObject, ImportStatus } from "./queries";

/** Every object the backend imports; the type makes a new one fail the build until it is named here. */
export const importObjectLabels: Record<ImportObject, { plural: string; singular: string }> = {
  contact: { plural: "Contacts", singular: "contact" },
  lead: { plural: "Leads", singular: "lead" },
};

export function objectLabel(objectType: string): { plural: string; singular: string } {
  // An import of a type this build does not know yet (the server added one) still shows its name.
  const known = objectType in importObjectLabels ? importObjectLabels[objectType as ImportObject] : undefined;
  return known ?? { plural: objectType, singular: objectType };
}

export const statusLabels: Record<ImportStatus, { label: string; tone: BadgeTone }> = {
  uploaded: { label: "Not started", tone: "neutral" },
  queued: { label: "Queued", tone: "accent" },
  running: { label: "Importing", tone: "accent" },
  cancelling: { label: "Cancelling", tone: "warning" },
  cancelled: { label: "Cancelled", tone: "warning" },
  completed: { label: "Completed", tone: "success" },
  failed: { label: "Failed", tone: "danger" },
};

export function policyOptions(singular: string): Array<{ value: DuplicatePolicy; label: string; description: string }> {
  return [
    { value: "skip", label: "Skip duplicates", description: `A row whose e-mail or phone already belongs to a ${singular} is left out.` },
    {
      value: "update",
      label: "Update the existing record",
      description: `The file's values fill the existing ${singular}; e-mails, phones and tags are added to its own.`,
    },
    { value: "create", label: "Create anyway", description: `Every row becomes a new ${singular}, even when one matches.` },
  ];
}
