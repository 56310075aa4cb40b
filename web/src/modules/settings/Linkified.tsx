import type { ReactNode } from "react";

const URL_PATTERN = /(https?:\/\/[^\s<>"']+)/g;

/** Plain text with its http(s) URLs as links. Never renders HTML from the message. */
export function Linkified({ text }: { text: string }) {
  const parts: ReactNode[] = text.split(URL_PATTERN).map((part, index) =>
    index % 2 === 1 ? (
      <a key={index} href={part} className="break-all text-accent underline" rel="noreferrer noopener">
        {part}
      </a>
    ) : (
      part
    ),
  );
  return <>{parts}</>;
}
