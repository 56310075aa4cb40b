import { useState } from "react";
import { Button } from "@/components/ui/Button";

export function CopyButton({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 2_000);
    } catch {
      // Clipboard refused (permissions, insecure context): the text stays selectable on screen.
    }
  };
  return (
    <Button variant="secondary" size="sm" onClick={() => void copy()} aria-live="polite">
      {copied ? "Copied" : label}
    </Button>
  );
}
