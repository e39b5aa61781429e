import { useState, type FormEvent } from 'react';
import type { RegistryView } from '../../../shared/api';
import { call } from '../api';
import { useAppInfo } from '../app-info';
import { ErrorAlert } from '../components/error-alert';
import { Modal } from '../components/modal';
import { TextField } from '../components/text-field';
import { useAction } from '../use-action';

export function AddRegistryDialog({ onClose, onAdded }: { onClose: () => void; onAdded: (r: RegistryView) => void }) {
  const info = useAppInfo();
  const [url, setUrl] = useState('');
  const [token, setToken] = useState('');
  const [caFile, setCaFile] = useState('');
  const [allowPlainToken, setAllowPlainToken] = useState(false);
  const secretStorage = info?.secretStorage ?? null;
  const plainNeeded = secretStorage !== null && !secretStorage.available;
  const add = useAction(() =>
    call('registriesAdd', {
      url: url.trim(),
      token: token === '' ? undefined : token,
      caFile: caFile.trim() === '' ? undefined : caFile.trim(),
      allowPlainToken: plainNeeded && allowPlainToken,
    }),
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const registry = await add.run();
    if (registry !== undefined) onAdded(registry);
  };

  return (
    <Modal title="Add registry" onClose={onClose}>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <TextField
          label="URL"
          type="url"
          value={url}
          onChange={setUrl}
          required

          placeholder="https://registry.example.com"
        />
        <TextField
          label="Token"
          type="password"
          value={token}
          onChange={setToken}
          autoComplete="off"
          hint="A token with publish rights (signet tokens create --rights publish). Leave empty for public reads."
        />
        <TextField
          label="CA file"
          value={caFile}
          onChange={setCaFile}
          placeholder="/home/you/registry-ca.pem"
          hint="Only for a registry whose certificate a private CA signed: that CA's PEM file."
        />
        {plainNeeded ? (
          <div className="plain-consent">
            <p>
              Secret storage is not available ({secretStorage.reason ?? secretStorage.backend}), so a token can only be
              kept in plain text in the app&apos;s data folder, readable by anything running as you.
            </p>
            <label className="check">
              <input
                type="checkbox"
                checked={allowPlainToken}
                onChange={(event) => setAllowPlainToken(event.target.checked)}
              />
              Keep the token in plain text
            </label>
          </div>
        ) : null}
        <ErrorAlert error={add.error} />
        <div className="form-actions">
          <button type="submit" className="button-primary" disabled={add.busy}>
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}
