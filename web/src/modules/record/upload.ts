import type { components } from "@/client/schema";
import { ApiError } from "@/lib/api/ApiError";
import { auth } from "@/lib/auth/auth";
import type { RecordObject } from "./types";

type AttachmentOut = components["schemas"]["AttachmentOut"];

export type UploadHandle = { promise: Promise<AttachmentOut>; abort: () => void };

/**
 * Uploads one file to a record as multipart form data. XMLHttpRequest rather than fetch because
 * only it reports upload progress. The access token is the auth client's; after a 401 (token
 * expired mid-upload) it refreshes once and sends the file again.
 */
export function uploadAttachment(object: RecordObject, recordId: string, file: File, onProgress: (fraction: number) => void): UploadHandle {
  return uploadFile<AttachmentOut>(`/api/v1/${object}/${encodeURIComponent(recordId)}/attachments`, file, onProgress);
}

/** POSTs one file as multipart form data to an API path, reporting upload progress. */
export function uploadFile<T>(path: string, file: File, onProgress: (fraction: number) => void): { promise: Promise<T>; abort: () => void } {
  let current: XMLHttpRequest | undefined;

  const send = (token: string | null) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      current = xhr;
      xhr.open("POST", `${location.origin}${path}`);
      if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
      xhr.upload.onprogress = (event) => {
        if (event.total > 0) onProgress(event.loaded / event.total);
      };
      xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
      xhr.onerror = () => reject(ApiError.network(new Error("upload failed")));
      xhr.onabort = () => reject(new DOMException("Upload cancelled", "AbortError"));
      const data = new FormData();
      data.append("file", file, file.name);
      xhr.send(data);
    });

  const promise = (async () => {
    await auth.ready();
    let result = await send(auth.accessToken());
    if (result.status === 401 && (await auth.refresh())) {
      onProgress(0);
      result = await send(auth.accessToken());
    }
    if (result.status >= 200 && result.status < 300) return JSON.parse(result.body) as T;
    throw ApiError.fromResponse(result.status, result.body);
  })();

  return {
    promise,
    abort: () => current?.abort(),
  };
}

/** Fetches a file's bytes with the user's token (the download route needs it) as a typed Blob. */
export async function fetchAttachmentBlob(attachment: Pick<AttachmentOut, "id" | "content_type">, signal?: AbortSignal): Promise<Blob> {
  const response = await auth.fetch(new Request(`${location.origin}/api/v1/attachments/${attachment.id}/download`, signal ? { signal } : {}));
  if (!response.ok) throw ApiError.fromResponse(response.status, await response.text());
  const bytes = await response.arrayBuffer();
  // The server always sends it as a download (octet-stream); the preview needs the real type.
  return new Blob([bytes], { type: attachment.content_type });
}

export function isPreviewable(contentType: string): "image" | "pdf" | null {
  if (/^image\/(png|jpe?g|gif|webp|avif|bmp)$/.test(contentType)) return "image";
  if (contentType === "application/pdf") return "pdf";
  return null;
}

const units = ["B", "KB", "MB", "GB"];
export function formatBytes(size: number): string {
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
