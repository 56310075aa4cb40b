import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "@/lib/toast/toast";
import { restoreRecord, trashRecord } from "./mutations";
import { recordKeys } from "./queries";
import { NOUN, type RecordObject } from "./types";

/**
 * Soft delete from the record page. A trashed record is no longer served by GET, so the page keeps
 * showing what it had, read-only, with the offer to restore it.
 */
export function useTrash(object: RecordObject, id: string) {
  const queryClient = useQueryClient();
  const [trashed, setTrashed] = useState(false);
  return {
    trashed,
    trash: async () => {
      await trashRecord(object, id);
      setTrashed(true);
      toast(`The ${NOUN[object]} was moved to the trash.`);
    },
    restore: async () => {
      await restoreRecord(object, id);
      setTrashed(false);
      toast(`The ${NOUN[object]} was restored.`);
      await queryClient.invalidateQueries({ queryKey: recordKeys.record(object, id) });
    },
  };
}
