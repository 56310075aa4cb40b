import { MenuContent, MenuItem, MenuLabel, MenuRoot, MenuSeparator, MenuTrigger } from "@/components/ui/Menu";
import { useBoardActions } from "./boardActions";
import type { DealCard } from "./queries";

/** "Move to…" for one card: the way to move a deal without dragging (keyboard, phones). */
export function CardMenu({ card }: { card: DealCard }) {
  const actions = useBoardActions();
  if (!actions.canMove) return null;
  const wonStage = actions.wonStage;
  return (
    <MenuRoot>
      <MenuTrigger
        className="-mt-1 -mr-1 inline-flex size-7 shrink-0 cursor-pointer items-center justify-center rounded-md text-fg-subtle hover:bg-surface-hover hover:text-fg"
        aria-label={`Move ${card.name}`}
      >
        <svg aria-hidden="true" viewBox="0 0 16 16" className="size-4" fill="currentColor">
          <circle cx="3" cy="8" r="1.4" />
          <circle cx="8" cy="8" r="1.4" />
          <circle cx="13" cy="8" r="1.4" />
        </svg>
      </MenuTrigger>
      <MenuContent align="end">
        <MenuLabel>Move to stage</MenuLabel>
        {actions.openStages.map((stage) => (
          <MenuItem key={stage.id} disabled={stage.id === card.stage_id} onSelect={() => actions.moveTo(card, stage.id)}>
            {stage.name}
          </MenuItem>
        ))}
        {(actions.wonStage || actions.lostStage) && <MenuSeparator />}
        {wonStage && <MenuItem onSelect={() => actions.moveTo(card, wonStage.id)}>Mark as won</MenuItem>}
        {actions.lostStage && (
          <MenuItem danger onSelect={() => actions.askLost(card)}>
            Mark as lost…
          </MenuItem>
        )}
      </MenuContent>
    </MenuRoot>
  );
}
