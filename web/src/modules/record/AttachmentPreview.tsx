import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo } from "react";
import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { Spinner } from "@/components/ui/Spinner";
import { ErrorState } from "@/components/ui/States";
import { fetchAttachmentBlob, isPreviewable } from "./upload";
import type { Attachment } from "./types";

/**
 * Shows an image or a PDF in a dialog. The bytes come through the authenticated download route
 * into an object URL (revoked on close), so nothing is ever served inline by the API itself.
 */
export function AttachmentPreview({ attachment, onClose, onDownload }: { attachment: Attachment | undefined; onClose: () => void; onDownload: (a: Attachment) => void }) {
  return (
    <Dialog open={attachment !== undefined} onOpenChange={(open) => !open && onClose()} title={attachment?.file_name ?? "Preview"} className="max-w-4xl">
      {attachment && <PreviewBody attachment={attachment} />}
      <div className="flex justify-end gap-2">
        {attachment && (
          <Button variant="secondary" onClick={() => onDownload(attachment)}>
            Download
          </Button>
        )}
        <Button onClick={onClose}>Close</Button>
      </div>
    </Dialog>
  );
}

function PreviewBody({ attachment }: { attachment: Attachment }) {
  const kind = isPreviewable(attachment.content_type);
  const blob = useQuery({
    queryKey: ["attachment-blob", attachment.id],
    queryFn: ({ signal }) => fetchAttachmentBlob(attachment, signal),
    staleTime: Infinity,
    gcTime: 0,
  });
  const url = useMemo(() => (blob.data ? URL.createObjectURL(blob.data) : undefined), [blob.data]);
  useEffect(() => () => (url ? URL.revokeObjectURL(url) : undefined), [url]);

  if (blob.isPending) {
    return (
      <div className="flex h-64 items-center justify-center">
        <Spinner label="Loading the preview…" showLabel />
      </div>
    );
  }
  if (blob.isError) return <ErrorState error={blob.error} onRetry={() => void blob.refetch()} title="Couldn't load the file" />;
  if (kind === "image") return <img src={url} alt={attachment.file_name} className="mx-auto max-h-[70dvh] max-w-full rounded-md object-contain" data-preview="image" />;
  if (kind === "pdf") return <iframe src={url} title={attachment.file_name} className="h-[70dvh] w-full rounded-md border border-border" data-preview="pdf" />;
  return <p className="text-sm text-fg-muted">This type of file has no preview. Download it to open it.</p>;
}
