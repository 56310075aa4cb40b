import { Dialog } from "@/components/ui/Dialog";
import { toast } from "@/lib/toast/toast";
import type { CustomFieldDefinition } from "../format";
import type { Option } from "../FilterValueInput";
import type { ObjectKey } from "../recordApi";
import { CompanyForm } from "./CompanyForm";
import { ContactForm } from "./ContactForm";
import { DealForm } from "./DealForm";
import { LeadForm } from "./LeadForm";

export type CreateFormProps = {
  members: Option[];
  definitions: readonly CustomFieldDefinition[];
  onCancel: () => void;
  onCreated: (name: string) => void;
};

const TITLES: Record<ObjectKey, string> = { contacts: "New contact", companies: "New company", leads: "New lead", deals: "New deal" };

/** The "New …" dialog of a list page. */
export function CreateRecordDialog({
  object,
  open,
  onOpenChange,
  members,
  definitions,
  onCreated,
}: {
  object: ObjectKey;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  members: Option[];
  definitions: readonly CustomFieldDefinition[];
  onCreated: () => void;
}) {
  const props: CreateFormProps = {
    members,
    definitions,
    onCancel: () => onOpenChange(false),
    onCreated: (name) => {
      onOpenChange(false);
      toast(`${name} was created.`);
      onCreated();
    },
  };
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={TITLES[object]} className="max-w-lg">
      {open && object === "contacts" && <ContactForm {...props} />}
      {open && object === "companies" && <CompanyForm {...props} />}
      {open && object === "leads" && <LeadForm {...props} />}
      {open && object === "deals" && <DealForm {...props} />}
    </Dialog>
  );
}
