import { useState, type FormEvent } from 'react';
import type { KeyView } from '../../../shared/api';
import { call } from '../api';
import { ErrorAlert } from '../components/error-alert';
import { Modal } from '../components/modal';
import { SelectField } from '../components/select-field';
import { TextField } from '../components/text-field';
import { useAction } from '../use-action';

export function GenerateKeyDialog({
  onClose,
  onGenerated,
}: {
  onClose: () => void;
  onGenerated: (key: KeyView) => void;
}) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [expires, setExpires] = useState('2y');
  const [passphrase, setPassphrase] = useState('');
  const [confirmPassphrase, setConfirmPassphrase] = useState('');
  const [algorithm, setAlgorithm] = useState<'rsa4096' | 'ed25519'>('rsa4096');
  const generate = useAction(() =>
    call('keysGenerate', { name, email, expires: expires.trim(), passphrase, confirmPassphrase, algorithm }),
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (passphrase !== confirmPassphrase) {
      generate.setError({ code: 'INPUT_INVALID', message: 'The two passphrases differ; type the same one twice.' });
      return;
    }
    const key = await generate.run();
    if (key !== undefined) onGenerated(key);
  };

  return (
    <Modal title="Generate key" onClose={onClose}>
      <form className="form" onSubmit={(event) => void submit(event)} aria-busy={generate.busy}>
        <div className="form-row">
          <TextField label="Name" value={name} onChange={setName} required autoComplete="name" />
          <TextField label="Email" type="email" value={email} onChange={setEmail} required autoComplete="email" />
        </div>
        <div className="form-row">
          <TextField
            label="Expires"
            value={expires}
            onChange={setExpires}
            required
            hint="2y, 18m, 90d or never. Registries refuse expired keys."
          />
          <SelectField
            label="Algorithm"
            value={algorithm}
            onChange={(value) => setAlgorithm(value === 'ed25519' ? 'ed25519' : 'rsa4096')}
            options={[
              { value: 'rsa4096', label: 'RSA 4096' },
              { value: 'ed25519', label: 'Ed25519' },
            ]}
            hint="RSA 4096 works with every Terraform and OpenTofu; Ed25519 is the legacy EdDSA form."
          />
        </div>
        <TextField
          label="Passphrase"
          type="password"
          value={passphrase}
          onChange={setPassphrase}
          required
          autoComplete="new-password"
          hint="Encrypts the private key at rest. Signet cannot recover it."
        />
        <TextField
          label="Confirm passphrase"
          type="password"
          value={confirmPassphrase}
          onChange={setConfirmPassphrase}
          required
          autoComplete="new-password"
        />
        <ErrorAlert error={generate.error} />
        <div className="form-actions">
          {generate.busy ? (
            <p role="status" className="busy">
              <span className="spinner" aria-hidden="true" />
              Generating {algorithm === 'rsa4096' ? 'an RSA 4096' : 'an Ed25519'} key
              {algorithm === 'rsa4096' ? '; this takes a few seconds' : ''}…
            </p>
          ) : null}
          <button type="submit" className="button-primary" disabled={generate.busy}>
            Generate
          </button>
        </div>
      </form>
    </Modal>
  );
}
