import type { ApiError } from '../../../shared/api';

/** A call's error next to the control that made it: the envelope's message, and its code. */
export function ErrorAlert({ error }: { error: ApiError | null }) {
  if (error === null) return null;
  return (
    <p role="alert" className="alert">
      <span className="alert-code">{error.code}</span> {error.message}
    </p>
  );
}
