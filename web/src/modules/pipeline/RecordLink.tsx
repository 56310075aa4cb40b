import { useRouter } from "@tanstack/react-router";
import type { MouseEvent, ReactNode } from "react";

/**
 * A link to a record page by path. The record routes (/deals/$id, /companies/$id) belong to the
 * record-pages module and may land after this one, so the path is not a typed route here; a
 * plain click still navigates inside the app (no reload, the session stays in memory).
 */
export function RecordLink({ path, className, children }: { path: string; className?: string; children: ReactNode }) {
  const router = useRouter();
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    router.history.push(path);
  };
  return (
    <a href={path} onClick={onClick} className={className}>
      {children}
    </a>
  );
}
