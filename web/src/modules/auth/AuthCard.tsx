import type { ReactNode } from "react";
import { Card } from "@/components/ui/Card";

export type AuthCardProps = {
  title: string;
  description?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
};

export function AuthCard({ title, description, children, footer }: AuthCardProps) {
  return (
    <>
      <Card className="flex flex-col gap-5 px-5 py-6 sm:px-7 sm:py-8">
        <title>{`${title} · CliniGlobal CRM`}</title>
        <header className="flex flex-col gap-1">
          <h1 className="text-lg font-semibold tracking-tight text-fg">{title}</h1>
          {description && <p className="text-sm text-fg-muted">{description}</p>}
        </header>
        {children}
      </Card>
      {footer && <div className="mt-4 text-center text-sm text-fg-muted">{footer}</div>}
    </>
  );
}
