import { useEffect, useRef, useState } from "react";
import { Input } from "@/components/ui/Input";

/** Full-text search of the list; the query follows typing after a short pause. */
export function SearchBox({ value, onChange, placeholder }: { value: string; onChange: (value: string) => void; placeholder: string }) {
  const [text, setText] = useState(value);
  const latest = useRef(onChange);
  useEffect(() => {
    latest.current = onChange;
  });
  // A new value from outside (a saved view, "clear") replaces what is typed.
  const [outside, setOutside] = useState(value);
  if (outside !== value) {
    setOutside(value);
    setText(value);
  }
  useEffect(() => {
    if (text === value) return;
    const timer = setTimeout(() => latest.current(text), 300);
    return () => clearTimeout(timer);
  }, [text, value]);

  return (
    <div className="relative w-full sm:w-64">
      <svg aria-hidden="true" viewBox="0 0 16 16" className="pointer-events-none absolute top-2.5 left-2.5 size-4 text-fg-subtle" fill="none" stroke="currentColor" strokeWidth="1.6">
        <circle cx="7" cy="7" r="4.5" />
        <path d="M10.5 10.5L14 14" />
      </svg>
      <Input
        type="search"
        aria-label="Search"
        placeholder={placeholder}
        className="pl-8"
        value={text}
        maxLength={200}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Enter") latest.current(text);
        }}
      />
    </div>
  );
}
