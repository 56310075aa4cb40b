import { useRouter } from "@tanstack/react-router";
import type { ReactNode } from "react";

/**
 * A link to a record page that navigates inside the app on a plain click and behaves as a normal
 * link otherwise (new tab, copy address). Built on the history rather than a typed <Link> because
 * the record routes are added separately and a list row must not care when they land.
 */
export function RecordLink({ href, children, className }: { href: string; children: ReactNode; className?: string }) {
  const router = useRouter();
  return (
    <a
      href={href}
      className={className}
      onClick={(event) => {
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        router.history.push(href);
      }}
    >
      {children}
    </a>
  );
}
