// The dialogs a key's row opens. Each asks for what its channel needs, shows the envelope's error in itself
// (role alert) and hands back a confirmation on success.
import { useState, type FormEvent, type ReactNode } from 'react';
import type { KeyView } from '../../../shared/api';
import { call } from '../api';
import { useAppInfo } from '../app-info';
import { ErrorAlert } from '../components/error-alert';
import { Modal } from '../components/modal';
import { TextField } from '../components/text-field';
import { useAction, type Action } from '../use-action';

interface KeyDialogProps<T> {
  keyView: KeyView;
  onClose: () => void;
  onDone: (value: T) => void;
}

function KeyForm<T>({
  action,
  submitLabel,
  danger = false,
  disabled = false,
  onDone,
  children,
}: {
  action: Action<[], T>;
  submitLabel: string;
  danger?: boolean;
  disabled?: boolean;
  onDone: (value: T) => void;
  children: ReactNode;
}) {
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = await action.run();
    if (value !== undefined) onDone(value);
  };
  return (
    <form className="form" onSubmit={(event) => void submit(event)}>
      {children}
      <ErrorAlert error={action.error} />
      <div className="form-actions">
        <button
          type="submit"
          className={danger ? 'button-danger-solid' : 'button-primary'}
          disabled={action.busy || disabled}
        >
          {submitLabel}
        </button>
      </div>
    </form>
  );
}

function KeySummary({ keyView }: { keyView: KeyView }) {
  return (
    <p className="dialog-subject">
      {keyView.name} &lt;{keyView.email}&gt; · <code>{keyView.keyId}</code>
    </p>
  );
}

export function SavePublicKeyDialog({ keyView, onClose, onDone }: KeyDialogProps<string>) {
  const [path, setPath] = useState('');
  const action = useAction(async () => (await call('keysSavePublicKey', { keyId: keyView.keyId, path })).path);
  return (
    <Modal title="Save public key" onClose={onClose}>
      <KeySummary keyView={keyView} />
      <KeyForm action={action} submitLabel="Save" onDone={onDone}>
        <TextField
          label="File path"
          value={path}
          onChange={setPath}
          required

          placeholder={`/home/you/${keyView.keyId}.asc`}
          hint="Where to write the armored public key (an absolute path). Add it to each registry's GPG keys."
        />
      </KeyForm>
    </Modal>
  );
}

export function BackUpPrivateKeyDialog({ keyView, onClose, onDone }: KeyDialogProps<string>) {
  const [path, setPath] = useState('');
  const action = useAction(async () => (await call('keysBackUpPrivateKey', { keyId: keyView.keyId, path })).path);
  return (
    <Modal title="Back up private key" onClose={onClose}>
      <KeySummary keyView={keyView} />
      <p>
        The file holds the private key encrypted with its passphrase (OpenPGP, armored). It never passes through this
        window. Keep it offline: with it and the passphrase, anyone can sign releases as you.
      </p>
      <KeyForm action={action} submitLabel="Back up" onDone={onDone}>
        <TextField
          label="File path"
          value={path}
          onChange={setPath}
          required

          placeholder={`/home/you/${keyView.keyId}.private.asc`}
          hint="An absolute path. The file is readable by you only and replaces one of that name."
        />
      </KeyForm>
    </Modal>
  );
}

export function ChangeExpiryDialog({ keyView, onClose, onDone }: KeyDialogProps<string>) {
  const [expires, setExpires] = useState('2y');
  const [passphrase, setPassphrase] = useState('');
  const action = useAction(async () => {
    const result = await call('keysChangeExpiry', {
      keyId: keyView.keyId,
      expires: expires.trim(),
      passphrase: passphrase === '' ? undefined : passphrase,
    });
    return result.note;
  });
  return (
    <Modal title="Change expiry" onClose={onClose}>
      <KeySummary keyView={keyView} />
      <p>
        A new expiry changes the public key: re-add it to each registry that verifies your releases, or they keep the
        old date.
      </p>
      <KeyForm action={action} submitLabel="Save expiry" onDone={onDone}>
        <TextField
          label="Expires"
          value={expires}
          onChange={setExpires}
          required

          hint="2y, 18m, 90d or never, counted from today."
        />
        <TextField
          label="Passphrase"
          type="password"
          value={passphrase}
          onChange={setPassphrase}
          required={!keyView.passphraseRemembered}
          autoComplete="current-password"
          hint={keyView.passphraseRemembered ? 'Leave empty to use the remembered passphrase.' : undefined}
        />
      </KeyForm>
    </Modal>
  );
}

export function RevokeKeyDialog({ keyView, onClose, onDone }: KeyDialogProps<string>) {
  const action = useAction(async () => (await call('keysRevoke', { keyId: keyView.keyId })).note);
  return (
    <Modal title="Revoke key" onClose={onClose}>
      <KeySummary keyView={keyView} />
      <p>
        Applies the revocation certificate made when the key was generated. A revoked key cannot sign again and this
        cannot be undone; re-add the revoked public key to each registry so they stop trusting it.
      </p>
      <KeyForm action={action} submitLabel="Revoke key" danger onDone={onDone}>
        {null}
      </KeyForm>
    </Modal>
  );
}

export function DeleteKeyDialog({ keyView, onClose, onDone }: KeyDialogProps<true>) {
  const [confirmKeyId, setConfirmKeyId] = useState('');
  const action = useAction(async () => (await call('keysDelete', { keyId: keyView.keyId, confirmKeyId })).deleted);
  const matches = confirmKeyId.trim().toUpperCase() === keyView.keyId;
  return (
    <Modal title="Delete key" onClose={onClose}>
      <KeySummary keyView={keyView} />
      <p>
        Removes the key from Signet{keyView.hasPrivateKey ? ', private key included' : ''}. Back it up first if you may
        need it again. Type <code>{keyView.keyId}</code> to confirm.
      </p>
      <KeyForm action={action} submitLabel="Delete key" danger disabled={!matches} onDone={onDone}>
        <TextField label="Key ID" value={confirmKeyId} onChange={setConfirmKeyId} required />
      </KeyForm>
    </Modal>
  );
}

export function RememberPassphraseDialog({ keyView, onClose, onDone }: KeyDialogProps<true>) {
  const info = useAppInfo();
  const [passphrase, setPassphrase] = useState('');
  const action = useAction(
    async () => (await call('keysRememberPassphrase', { keyId: keyView.keyId, passphrase })).remembered,
  );
  return (
    <Modal title="Remember passphrase" onClose={onClose}>
      <KeySummary keyView={keyView} />
      <p>
        Keeps the passphrase in the system&apos;s secret storage, so Sign does not ask for it.
        {info !== null && !info.secretStorage.available
          ? ` Secret storage is not available here (${info.secretStorage.reason ?? info.secretStorage.backend}), so this will be refused.`
          : ''}
      </p>
      <KeyForm action={action} submitLabel="Remember" onDone={onDone}>
        <TextField
          label="Passphrase"
          type="password"
          value={passphrase}
          onChange={setPassphrase}
          required

          autoComplete="current-password"
        />
      </KeyForm>
    </Modal>
  );
}
