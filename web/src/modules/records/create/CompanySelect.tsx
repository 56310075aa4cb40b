import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { UseFormRegisterReturn } from "react-hook-form";
import { Field } from "@/components/ui/Field";
import { Input } from "@/components/ui/Input";
import { Select } from "@/components/ui/Select";
import { companyOptionsQueryOptions } from "../queries";

/** Pick a company: a search box narrows the list (the first 200 matches by name). */
export function CompanySelect({ error, registration }: { error: string | undefined; registration: UseFormRegisterReturn }) {
  const [q, setQ] = useState("");
  const companies = useQuery(companyOptionsQueryOptions(q.trim()));
  return (
    <Field label="Company" error={error} hint={companies.isError ? "Couldn’t load companies." : undefined}>
      {(control) => (
        <div className="flex flex-col gap-1.5 sm:flex-row">
          <Input type="search" aria-label="Find a company" placeholder="Find…" className="sm:w-36" value={q} onChange={(event) => setQ(event.target.value)} />
          <Select {...control} className="w-full" {...registration}>
            <option value="">{companies.isPending ? "Loading…" : "No company"}</option>
            {(companies.data?.items ?? []).map((company) => (
              <option key={company.id} value={company.id}>
                {company.name}
              </option>
            ))}
          </Select>
        </div>
      )}
    </Field>
  );
}
