import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { ApiError } from "@/lib/api/ApiError";
import { isConflict, patchRecord } from "./mutations";
import { recordKeys } from "./queries";
import { NOUN, type PatchOf, type RecordObject, type RecordOf } from "./types";

/**
 * Saves edits of one record with the version the user saw (If-Match). On success the cache takes
 * the server's copy (new version) and the timeline refetches to show the field change. On a
 * version conflict nothing is overwritten: `conflict` turns on so the page offers a reload, and the
 * error thrown to the field says why.
 */
export function useRecordSave<O extends RecordObject>(object: O, record: RecordOf<O> | undefined) {
  const queryClient = useQueryClient();
  const [conflict, setConflict] = useState(false);

  const save = useCallback(
    async (body: PatchOf<O>) => {
      if (!record) return;
      try {
        const updated = await patchRecord(object, record.id, record.version, body);
        queryClient.setQueryData(recordKeys.record(object, record.id), updated);
        void queryClient.invalidateQueries({ queryKey: recordKeys.timeline(object, record.id) });
      } catch (error) {
        if (isConflict(error)) {
          setConflict(true);
          throw new ApiError({
            status: 412,
            code: "version_conflict",
            detail: `Someone else changed this ${NOUN[object]} since you opened it. Reload to see their changes, then edit again.`,
          });
        }
        throw error;
      }
    },
    [object, queryClient, record],
  );

  const reload = useCallback(async () => {
    if (!record) return;
    await queryClient.invalidateQueries({ queryKey: recordKeys.record(object, record.id) });
    setConflict(false);
  }, [object, queryClient, record]);

  return { save, conflict, reload };
}
