import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type DragEvent } from "react";
import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { Section } from "@/components/ui/Section";
import { Spinner } from "@/components/ui/Spinner";
import { ErrorState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import { cn } from "@/lib/cn";
import { errorMessage } from "@/lib/forms/apiErrors";
import { formatRelative } from "@/lib/format";
import { toast } from "@/lib/toast/toast";
import { AttachmentPreview } from "./AttachmentPreview";
import { attachmentsQueryOptions, recordKeys } from "./queries";
import { fetchAttachmentBlob, formatBytes, isPreviewable, uploadAttachment } from "./upload";
import type { Attachment, RecordObject } from "./types";

type Upload = { key: number; name: string; progress: number; error?: string; abort: () => void };

type Props = { object: RecordObject; id: string; canUpload: boolean; canDelete: boolean };

/** Files on the record: drop or pick files to upload (with progress), preview, download, delete. */
export function Attachments({ object, id, canUpload, canDelete }: Props) {
  const queryClient = useQueryClient();
  const files = useInfiniteQuery(attachmentsQueryOptions(object, id));
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const [preview, setPreview] = useState<Attachment>();
  const [deleting, setDeleting] = useState<Attachment>();
  const input = useRef<HTMLInputElement>(null);
  const nextKey = useRef(1);
  const items = files.data?.pages.flatMap((page) => page.items) ?? [];

  const update = (key: number, patch: Partial<Upload>) => setUploads((all) => all.map((u) => (u.key === key ? { ...u, ...patch } : u)));

  const start = (list: FileList | File[]) => {
    for (const file of Array.from(list)) {
      const key = nextKey.current++;
      const handle = uploadAttachment(object, id, file, (progress) => update(key, { progress }));
      setUploads((all) => [...all, { key, name: file.name, progress: 0, abort: handle.abort }]);
      handle.promise.then(
        async () => {
          setUploads((all) => all.filter((u) => u.key !== key));
          toast(`${file.name} uploaded.`);
          await queryClient.invalidateQueries({ queryKey: recordKeys.attachments(object, id) });
        },
        (error: unknown) => {
          if (error instanceof DOMException && error.name === "AbortError") setUploads((all) => all.filter((u) => u.key !== key));
          else update(key, { error: errorMessage(error) });
        },
      );
    }
  };

  const download = async (attachment: Attachment) => {
    try {
      const blob = await fetchAttachmentBlob({ id: attachment.id, content_type: "application/octet-stream" });
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = attachment.file_name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      toast(errorMessage(error), "danger");
    }
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (canUpload && event.dataTransfer.files.length > 0) start(event.dataTransfer.files);
  };

  return (
    <Section title="Attachments" flush>
      {canUpload && (
        <div
          onDragOver={(event) => {
            event.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
          className={cn(
            "m-3 flex flex-col items-center gap-1 rounded-md border-2 border-dashed px-3 py-4 text-center text-sm",
            dragging ? "border-accent bg-accent-subtle" : "border-border",
          )}
          data-dropzone
        >
          <p className="text-fg-muted">Drag files here, or</p>
          <Button size="sm" variant="secondary" onClick={() => input.current?.click()}>
            Choose files
          </Button>
          <input
            ref={input}
            type="file"
            multiple
            className="sr-only"
            tabIndex={-1}
            aria-label="Files to attach"
            onChange={(event) => {
              if (event.target.files) start(event.target.files);
              event.target.value = "";
            }}
          />
        </div>
      )}
      {uploads.length > 0 && (
        <ul className="flex flex-col gap-2 px-3 pb-3" aria-label="Uploads in progress">
          {uploads.map((upload) => (
            <li key={upload.key} className="rounded-md border border-border px-3 py-2 text-sm" data-upload={upload.name}>
              <div className="flex items-center justify-between gap-2">
                <span className="min-w-0 truncate">{upload.name}</span>
                <Button size="sm" variant="ghost" onClick={() => (upload.error ? setUploads((all) => all.filter((u) => u.key !== upload.key)) : upload.abort())}>
                  {upload.error ? "Dismiss" : "Cancel"}
                </Button>
              </div>
              {upload.error ? (
                <p role="alert" className="text-xs font-medium text-danger">
                  {upload.error}
                </p>
              ) : (
                <progress className="h-1.5 w-full accent-accent" max={1} value={upload.progress} aria-label={`Uploading ${upload.name}`}>
                  {Math.round(upload.progress * 100)}%
                </progress>
              )}
            </li>
          ))}
        </ul>
      )}
      {files.isPending && (
        <div className="flex justify-center py-6">
          <Spinner label="Loading attachments…" />
        </div>
      )}
      {files.isError && (
        <div className="p-3">
          <ErrorState error={files.error} onRetry={() => void files.refetch()} />
        </div>
      )}
      {files.data && items.length === 0 && <p className="px-4 pb-4 text-sm text-fg-subtle">No files yet.</p>}
      {items.length > 0 && (
        <ul className="divide-y divide-border border-t border-border" aria-label="Files">
          {items.map((file) => {
            const previewable = isPreviewable(file.content_type) !== null;
            return (
              <li key={file.id} className="flex items-center gap-2 px-4 py-2" data-attachment={file.file_name}>
                <div className="min-w-0 flex-1">
                  {previewable ? (
                    <button type="button" className="block max-w-full cursor-pointer truncate text-left text-sm font-medium text-accent-fg hover:underline" onClick={() => setPreview(file)}>
                      {file.file_name}
                    </button>
                  ) : (
                    <span className="block truncate text-sm font-medium text-fg">{file.file_name}</span>
                  )}
                  <span className="text-xs text-fg-subtle">
                    {formatBytes(file.size)} · {formatRelative(file.created_at)}
                  </span>
                </div>
                <Button size="sm" variant="ghost" onClick={() => void download(file)}>
                  Download<span className="sr-only"> {file.file_name}</span>
                </Button>
                {canDelete && (
                  <Button size="sm" variant="danger-ghost" onClick={() => setDeleting(file)}>
                    Delete<span className="sr-only"> {file.file_name}</span>
                  </Button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {files.hasNextPage && (
        <div className="border-t border-border px-4 py-2 text-center">
          <Button variant="secondary" size="sm" onClick={() => void files.fetchNextPage()} disabled={files.isFetchingNextPage}>
            More files
          </Button>
        </div>
      )}
      <AttachmentPreview attachment={preview} onClose={() => setPreview(undefined)} onDownload={(a) => void download(a)} />
      <ConfirmDialog
        open={deleting !== undefined}
        onOpenChange={(open) => !open && setDeleting(undefined)}
        title={`Delete ${deleting?.file_name ?? "this file"}?`}
        description="The file is removed from this record for everyone."
        confirmLabel="Delete file"
        destructive
        onConfirm={async () => {
          if (!deleting) return;
          await unwrap(api.DELETE("/api/v1/attachments/{attachment_id}", { params: { path: { attachment_id: deleting.id } } }));
          toast(`${deleting.file_name} was deleted.`);
          await queryClient.invalidateQueries({ queryKey: recordKeys.attachments(object, id) });
        }}
      />
    </Section>
  );
}
