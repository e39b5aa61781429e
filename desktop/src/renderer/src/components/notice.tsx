/** A dismissable confirmation of what the last action did (role status, so it is announced). */
export function Notice({ message, onDismiss }: { message: string | null; onDismiss: () => void }) {
  return (
    <div role="status" className={message === null ? 'notice-empty' : 'notice'}>
      {message === null ? null : (
        <>
          <span>{message}</span>
          <button type="button" className="button-small button-quiet" onClick={onDismiss}>
            Dismiss
          </button>
        </>
      )}
    </div>
  );
}
