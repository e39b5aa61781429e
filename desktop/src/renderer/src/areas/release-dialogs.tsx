import { useState, type FormEvent } from 'react';
import type { ReleaseView } from '../../../shared/api';
import { call } from '../api';
import { formatRelease } from '../format';
import { ErrorAlert } from '../components/error-alert';
import { Modal } from '../components/modal';
import { TextField } from '../components/text-field';
import { useAction } from '../use-action';

interface ReleaseDialogProps {
  release: ReleaseView;
  onClose: () => void;
  onDone: (release: ReleaseView) => void;
}

/** Asks the key's passphrase and signs SHA256SUMS; a wrong one is said here and changes nothing. */
export function SignDialog({ release, onClose, onDone, remembered }: ReleaseDialogProps & { remembered: boolean }) {
  const [passphrase, setPassphrase] = useState('');
  const sign = useAction(() =>
    call('releasesSign', { releaseId: release.id, passphrase: passphrase === '' ? undefined : passphrase }),
  );
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const signed = await sign.run();
    if (signed !== undefined) onDone(signed);
  };
  return (
    <Modal title="Sign release" onClose={onClose}>
      <p className="dialog-subject">
        {formatRelease(release)} · key <code>{release.keyId ?? 'none'}</code>
      </p>
      <p>Signs SHA256SUMS with the release&apos;s key. The passphrase unlocks the key and is not kept.</p>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <TextField
          label="Passphrase"
          type="password"
          value={passphrase}
          onChange={setPassphrase}
          required={!remembered}

          autoComplete="current-password"
          hint={remembered ? 'Leave empty to use the remembered passphrase.' : undefined}
        />
        <ErrorAlert error={sign.error} />
        <div className="form-actions">
          {sign.busy ? (
            <p role="status" className="busy">
              <span className="spinner" aria-hidden="true" />
              Signing…
            </p>
          ) : null}
          <button type="submit" className="button-primary" disabled={sign.busy}>
            Sign
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Marks the version deprecated with a message terraform and tofu print on init. */
export function DeprecateDialog({ release, onClose, onDone }: ReleaseDialogProps) {
  const [message, setMessage] = useState(release.deprecationMessage ?? '');
  const deprecate = useAction(() => call('releasesDeprecate', { releaseId: release.id, message: message.trim() }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const updated = await deprecate.run();
    if (updated !== undefined) onDone(updated);
  };
  return (
    <Modal title="Deprecate version" onClose={onClose}>
      <p className="dialog-subject">{formatRelease(release)}</p>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <TextField
          label="Message"
          value={message}
          onChange={setMessage}
          required

          placeholder="Use 1.0.1: 1.0.0 mishandles empty tags."
          hint="Shown as a warning by terraform init and tofu init. The version still installs; Restore undoes it."
        />
        <ErrorAlert error={deprecate.error} />
        <div className="form-actions">
          <button type="submit" className="button-primary" disabled={deprecate.busy}>
            Deprecate
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Confirms removing a release: the folder Signet made for it goes too; an opened release folder stays. */
export function RemoveReleaseDialog({
  release,
  onClose,
  onRemoved,
}: Omit<ReleaseDialogProps, 'onDone'> & { onRemoved: () => void }) {
  const remove = useAction(() => call('releasesRemove', { releaseId: release.id }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const removed = await remove.run();
    if (removed !== undefined) onRemoved();
  };
  return (
    <Modal title="Remove release" onClose={onClose}>
      <p className="dialog-subject">{formatRelease(release)}</p>
      <p>
        {release.inputFolder === null
          ? 'Removes the release from Signet. The release folder you opened stays as it is.'
          : 'Removes the release and the release folder Signet made for it. The input folder stays as it is.'}
      </p>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <ErrorAlert error={remove.error} />
        <div className="form-actions">
          <button type="submit" className="button-danger-solid" disabled={remove.busy}>
            Remove
          </button>
        </div>
      </form>
    </Modal>
  );
}
