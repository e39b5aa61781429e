import { useEffect, useState, type FormEvent } from 'react';
import type { KeyView, RegistryView, ReleaseView } from '../../../shared/api';
import { call } from '../api';
import { BrowseButton } from '../components/browse-button';
import { ErrorAlert } from '../components/error-alert';
import { Modal } from '../components/modal';
import { SelectField } from '../components/select-field';
import { TextField } from '../components/text-field';
import { useAction } from '../use-action';

const USABLE_BADGES = new Set(['Compatible', 'Expires soon']);

function keyLabel(key: KeyView): string {
  const badge = key.badge === 'Compatible' ? '' : ` (${key.badge})`;
  return `${key.name} <${key.email}> · ${key.keyId}${badge}`;
}

export function NewReleaseDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (r: ReleaseView) => void }) {
  const [namespace, setNamespace] = useState('');
  const [provider, setProvider] = useState('');
  const [version, setVersion] = useState('');
  const [protocol5, setProtocol5] = useState(true);
  const [protocol6, setProtocol6] = useState(false);
  const [keyId, setKeyId] = useState('');
  const [registryId, setRegistryId] = useState('');
  const [inputFolder, setInputFolder] = useState('');
  const [keys, setKeys] = useState<KeyView[]>([]);
  const [registries, setRegistries] = useState<RegistryView[]>([]);
  const load = useAction(async () => Promise.all([call('keysList', {}), call('registriesList', {})]));
  const { run: runLoad } = load;
  const create = useAction(() => {
    const protocols = [...(protocol5 ? ['5.0' as const] : []), ...(protocol6 ? ['6.0' as const] : [])];
    return call('releasesCreate', {
      namespace: namespace.trim(),
      provider: provider.trim(),
      version: version.trim(),
      protocols,
      keyId: keyId === '' ? null : keyId,
      registryId,
      inputFolder: inputFolder.trim(),
    });
  });

  useEffect(() => {
    void runLoad().then((loaded) => {
      if (loaded === undefined) return;
      const [keyList, registryList] = loaded;
      const signing = keyList.filter((key) => key.hasPrivateKey);
      setKeys(signing);
      setKeyId(signing.find((key) => USABLE_BADGES.has(key.badge))?.keyId ?? '');
      setRegistries(registryList);
      setRegistryId(registryList.find((registry) => registry.builtIn)?.id ?? registryList[0]?.id ?? '');
    });
  }, [runLoad]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!protocol5 && !protocol6) {
      create.setError({ code: 'INPUT_INVALID', message: 'Choose at least one protocol: 5.0, 6.0 or both.' });
      return;
    }
    const release = await create.run();
    if (release !== undefined) onCreated(release);
  };

  return (
    <Modal title="New release" onClose={onClose} wide>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <div className="form-row form-row-3">
          <TextField
            label="Namespace"
            value={namespace}
            onChange={setNamespace}
            required

            placeholder="e.g. acme"
          />
          <TextField label="Provider" value={provider} onChange={setProvider} required placeholder="e.g. hello" />
          <TextField label="Version" value={version} onChange={setVersion} required placeholder="e.g. 1.0.0" />
        </div>
        <fieldset className="fieldset">
          <legend>Protocols</legend>
          <label className="check">
            <input type="checkbox" checked={protocol5} onChange={(event) => setProtocol5(event.target.checked)} />
            5.0
          </label>
          <label className="check">
            <input type="checkbox" checked={protocol6} onChange={(event) => setProtocol6(event.target.checked)} />
            6.0
          </label>
        </fieldset>
        <div className="form-row">
          <SelectField
            label="Signing key"
            value={keyId}
            onChange={setKeyId}
            options={[
              ...keys.map((key) => ({ value: key.keyId, label: keyLabel(key) })),
              { value: '', label: 'No key yet (sign later)' },
            ]}
          />
          <SelectField
            label="Registry"
            value={registryId}
            onChange={setRegistryId}
            options={registries.map((registry) => ({
              value: registry.id,
              label: registry.url === null ? registry.name : `${registry.name} (${registry.url})`,
            }))}
          />
        </div>
        <div className="field-with-button">
          <TextField
            label="Input folder"
            value={inputFolder}
            onChange={setInputFolder}
            required
            placeholder="/home/you/src/terraform-provider-hello/dist"
            hint="Binaries in one folder per platform (linux_amd64/, darwin_arm64/, …), ready zips, or a GoReleaser dist/ folder."
          />
          <BrowseButton title="Input folder" onChosen={setInputFolder} />
        </div>
        <ErrorAlert error={load.error ?? create.error} />
        <div className="form-actions">
          <button type="submit" className="button-primary" disabled={create.busy}>
            Create release
          </button>
        </div>
      </form>
    </Modal>
  );
}
