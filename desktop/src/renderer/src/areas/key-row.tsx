import { useState } from 'react';
import type { KeyBadge, KeyView } from '../../../shared/api';
import { call } from '../api';
import { CopyButton } from '../components/copy-button';
import { ErrorAlert } from '../components/error-alert';
import { chunkFingerprint, formatDate } from '../format';
import { useAction } from '../use-action';
import {
  BackUpPrivateKeyDialog,
  ChangeExpiryDialog,
  DeleteKeyDialog,
  RememberPassphraseDialog,
  RevokeKeyDialog,
  SavePublicKeyDialog,
} from './key-dialogs';

const BADGE_CLASS: Record<KeyBadge, string> = {
  Compatible: 'badge badge-ok',
  'Expires soon': 'badge badge-warn',
  Expired: 'badge badge-bad',
  Revoked: 'badge badge-bad',
  Incompatible: 'badge badge-bad',
};

type RowDialog = 'save' | 'backup' | 'expiry' | 'revoke' | 'delete' | 'remember';

export interface KeyRowProps {
  keyView: KeyView;
  /** After a change: the confirmation to show, and the list is read again. */
  onChanged: (message: string) => void;
}

/** One key: its identity, badge and every per-key action (buttons named alike in each row; scope by row). */
export function KeyRow({ keyView: key, onChanged }: KeyRowProps) {
  const [dialog, setDialog] = useState<RowDialog | null>(null);
  const forget = useAction(() => call('keysForgetPassphrase', { keyId: key.keyId }));
  const finish = (message: string) => {
    setDialog(null);
    onChanged(message);
  };
  const forgetPassphrase = async () => {
    const result = await forget.run();
    if (result !== undefined) onChanged(`Forgot the remembered passphrase of ${key.keyId}.`);
  };

  return (
    <tr>
      <td>
        <div className="key-name">{key.name}</div>
        <div className="muted">{key.email}</div>
        <div className="muted small">{key.hasPrivateKey ? 'Private and public key' : 'Public key only'}</div>
      </td>
      <td>
        <code className="key-id">{key.keyId}</code>
        <code className="fingerprint">
          {chunkFingerprint(key.fingerprint).map((line) => (
            <span key={line} className="fingerprint-line">
              {line}
            </span>
          ))}
        </code>
        <CopyButton text={key.fingerprint.replace(/\s+/g, '')} label="Copy fingerprint" className="copy-under" />
      </td>
      <td className="nowrap">
        <div>{key.algorithm}</div>
        <div>
          <span className="muted">Created</span> <span className="date">{formatDate(key.created)}</span>
        </div>
        <div>
          <span className="muted">Expires</span> <span className="date">{formatDate(key.expires)}</span>
        </div>
      </td>
      <td>
        <span className={BADGE_CLASS[key.badge]}>{key.badge}</span>
        {key.reason === null ? null : <p className="reason">{key.reason}</p>}
      </td>
      <td>
        <div className="row-actions">
          <CopyButton
            label="Copy public key"
            text={async () => (await call('keysPublicKey', { keyId: key.keyId })).armored}
          />
          <button type="button" className="button-small" onClick={() => setDialog('save')}>
            Save public key
          </button>
          {key.hasPrivateKey ? (
            <button type="button" className="button-small" onClick={() => setDialog('backup')}>
              Back up private key
            </button>
          ) : null}
          {key.hasPrivateKey && key.badge !== 'Revoked' ? (
            <>
              <button type="button" className="button-small" onClick={() => setDialog('expiry')}>
                Change expiry
              </button>
              {key.passphraseRemembered ? (
                <button type="button" className="button-small" onClick={() => void forgetPassphrase()}>
                  Forget passphrase
                </button>
              ) : (
                <button type="button" className="button-small" onClick={() => setDialog('remember')}>
                  Remember passphrase
                </button>
              )}
            </>
          ) : null}
          {key.hasRevocationCertificate && key.badge !== 'Revoked' ? (
            <button type="button" className="button-small button-danger" onClick={() => setDialog('revoke')}>
              Revoke
            </button>
          ) : null}
          <button type="button" className="button-small button-danger" onClick={() => setDialog('delete')}>
            Delete
          </button>
        </div>
        <ErrorAlert error={forget.error} />
        {dialog === 'save' ? (
          <SavePublicKeyDialog
            keyView={key}
            onClose={() => setDialog(null)}
            onDone={(path) => finish(`Saved the public key of ${key.keyId} to ${path}.`)}
          />
        ) : null}
        {dialog === 'backup' ? (
          <BackUpPrivateKeyDialog
            keyView={key}
            onClose={() => setDialog(null)}
            onDone={(path) => finish(`Backed up the passphrase-encrypted private key of ${key.keyId} to ${path}.`)}
          />
        ) : null}
        {dialog === 'expiry' ? (
          <ChangeExpiryDialog
            keyView={key}
            onClose={() => setDialog(null)}
            onDone={(note) => finish(`Changed the expiry of ${key.keyId}. ${note}`)}
          />
        ) : null}
        {dialog === 'revoke' ? (
          <RevokeKeyDialog
            keyView={key}
            onClose={() => setDialog(null)}
            onDone={(note) => finish(`Revoked ${key.keyId}. ${note}`)}
          />
        ) : null}
        {dialog === 'delete' ? (
          <DeleteKeyDialog
            keyView={key}
            onClose={() => setDialog(null)}
            onDone={() => finish(`Deleted key ${key.keyId}.`)}
          />
        ) : null}
        {dialog === 'remember' ? (
          <RememberPassphraseDialog
            keyView={key}
            onClose={() => setDialog(null)}
            onDone={() => finish(`Remembered the passphrase of ${key.keyId}; Sign will not ask for it.`)}
          />
        ) : null}
      </td>
    </tr>
  );
}
