import { Alert } from "./Alert";

/** The form-level error (one that belongs to no single field). */
export function FormError({ message }: { message?: string | undefined }) {
  if (!message) return null;
  return (
    <Alert tone="danger" data-form-error>
      {message}
    </Alert>
  );
}
