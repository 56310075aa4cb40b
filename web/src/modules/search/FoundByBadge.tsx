import { Badge } from "@/components/ui/Badge";
import type { PaletteHit } from "./searchQueries";

/** How a hit was found: by meaning only (semantic), by words only, or both. */
export function FoundByBadge({ foundBy }: { foundBy: PaletteHit["foundBy"] }) {
  const meaning = foundBy.includes("vector");
  const words = foundBy.includes("fulltext");
  if (meaning && !words) {
    return (
      <Badge tone="accent" title="Found by meaning (semantic search), not by its words">
        Semantic
      </Badge>
    );
  }
  if (meaning && words) {
    return (
      <Badge tone="neutral" title="Matches the words and the meaning">
        Words + meaning
      </Badge>
    );
  }
  return null;
}
