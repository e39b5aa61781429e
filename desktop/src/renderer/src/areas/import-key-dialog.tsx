import { useId, useState, type FormEvent } from 'react';
import type { ChannelInput, ChannelResults } from '../../../shared/api';
import { call } from '../api';
import { ErrorAlert } from '../components/error-alert';
import { Modal } from '../components/modal';
import { TextField } from '../components/text-field';
import { encodeBase64, isArmored } from '../format';
import { useAction } from '../use-action';

type Imported = ChannelResults['keysImport'];

async function readKeyFile(file: File): Promise<Pick<ChannelInput<'keysImport'>, 'key' | 'binaryBase64'>> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (isArmored(bytes)) return { key: new TextDecoder().decode(bytes) };
  return { binaryBase64: encodeBase64(bytes) };
}

export function ImportKeyDialog({ onClose, onImported }: { onClose: () => void; onImported: (r: Imported) => void }) {
  const fileId = useId();
  const [key, setKey] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const importKey = useAction(async () => {
    const source = file === null ? { key } : await readKeyFile(file);
    return call('keysImport', { ...source, passphrase: passphrase === '' ? undefined : passphrase });
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (file === null && key.trim() === '') {
      importKey.setError({ code: 'INPUT_INVALID', message: 'Paste an armored key into Key, or choose a key file.' });
      return;
    }
    const result = await importKey.run();
    if (result !== undefined) onImported(result);
  };

  return (
    <Modal title="Import key" onClose={onClose} wide>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <TextField
          label="Key"
          multiline
          className="field-mono"
          value={key}
          onChange={setKey}

          placeholder="-----BEGIN PGP PUBLIC KEY BLOCK-----"
          hint="Paste an armored public or private key. A public key you already have is merged (new expiry, signatures)."
        />
        <div className="field">
          <label htmlFor={fileId}>Key file</label>
          <input
            id={fileId}
            type="file"
            accept=".asc,.gpg,.pgp,.key,.pub,application/pgp-keys"
            aria-describedby={`${fileId}-hint`}
            onChange={(event) => setFile(event.target.files?.[0] ?? null)}
          />
          <p id={`${fileId}-hint`} className="hint">
            Or choose a file, armored or binary. A chosen file is used instead of the pasted text.
          </p>
        </div>
        <TextField
          label="Passphrase"
          type="password"
          value={passphrase}
          onChange={setPassphrase}
          autoComplete="current-password"
          hint="Only for a private key: the passphrase it is encrypted with."
        />
        <ErrorAlert error={importKey.error} />
        <div className="form-actions">
          <button type="submit" className="button-primary" disabled={importKey.busy}>
            Import
          </button>
        </div>
      </form>
    </Modal>
  );
}
