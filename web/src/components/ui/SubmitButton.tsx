import type { ReactNode } from "react";
import { Button } from "@/components/ui/Button";
import { Spinner } from "@/components/ui/Spinner";

export function SubmitButton({ pending, children, className }: { pending: boolean; children: ReactNode; className?: string }) {
  return (
    <Button type="submit" disabled={pending} aria-busy={pending} className={className ?? "w-full"}>
      {pending && <Spinner decorative />}
      {children}
    </Button>
  );
}
