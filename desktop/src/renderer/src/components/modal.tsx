import { useEffect, useId, useRef, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

export interface ModalProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** Wider dialogs for pasted keys and forms with many fields. */
  wide?: boolean;
}

/**
 * A native modal `<dialog>` (showModal: focus moves in, the page behind is inert, Escape closes), named by its
 * heading. Mounted while open; focus goes back to the control that opened it.
 */
export function Modal({ title, onClose, children, wide = false }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
    // showModal focuses the first focusable element (the Close button); the first field is where typing starts.
    const first = dialog.querySelector<HTMLElement>(
      '.modal-body input:not([disabled]), .modal-body textarea, .modal-body select, .modal-body button:not([disabled])',
    );
    first?.focus();
    // A close queued by an earlier cleanup (StrictMode mounts twice) must not close the reopened dialog.
    const handleClose = () => {
      if (!dialog.open) onCloseRef.current();
    };
    dialog.addEventListener('close', handleClose);
    return () => {
      dialog.removeEventListener('close', handleClose);
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  return createPortal(
    <dialog ref={ref} aria-labelledby={headingId} className={wide ? 'modal modal-wide' : 'modal'}>
      <div className="modal-header">
        <h2 id={headingId}>{title}</h2>
        <button type="button" className="button-icon" aria-label="Close" onClick={() => ref.current?.close()}>
          ×
        </button>
      </div>
      <div className="modal-body">{children}</div>
    </dialog>,
    document.body,
  );
}
