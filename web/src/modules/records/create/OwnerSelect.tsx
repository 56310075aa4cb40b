import type { UseFormRegisterReturn } from "react-hook-form";
import { Field } from "@/components/ui/Field";
import { Select } from "@/components/ui/Select";
import type { Option } from "../FilterValueInput";

/** The owner of a new record (default: whoever creates it, which the API also assumes). */
export function OwnerSelect({ members, error, registration }: { members: Option[]; error: string | undefined; registration: UseFormRegisterReturn }) {
  return (
    <Field label="Owner" error={error}>
      {(control) => (
        <Select {...control} className="w-full" {...registration}>
          <option value="">Me</option>
          {members.map((member) => (
            <option key={member.value} value={member.value}>
              {member.label}
            </option>
          ))}
        </Select>
      )}
    </Field>
  );
}
