import { useState } from 'react';
import { call } from '../api';
import { AreaHeader, AreaLoading } from '../components/area-header';
import { ErrorAlert } from '../components/error-alert';
import { Notice } from '../components/notice';
import { useAreaData } from '../use-area-data';
import { GenerateKeyDialog } from './generate-key-dialog';
import { ImportKeyDialog } from './import-key-dialog';
import { KeyRow } from './key-row';

export function KeysArea() {
  const [dialog, setDialog] = useState<'generate' | 'import' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const list = useAreaData('keys', () => call('keysList', {}));
  const { refresh } = list;
  const keys = list.value ?? null;

  const done = (message: string) => {
    setDialog(null);
    setNotice(message);
    void refresh();
  };

  if (list.loading) return <AreaLoading label="keys" />;

  return (
    <>
      <AreaHeader
        title="Keys"
        intro="OpenPGP keys that sign your releases' SHA256SUMS. Private keys stay on this machine, encrypted with their passphrase."
      >
        <button type="button" className="button-primary" onClick={() => setDialog('generate')}>
          Generate key
        </button>
        <button type="button" onClick={() => setDialog('import')}>
          Import key
        </button>
      </AreaHeader>
      <Notice message={notice} onDismiss={() => setNotice(null)} />
      <ErrorAlert error={list.error} />
      <div className="table-wrap">
        <table className="table keys-table">
          <caption className="visually-hidden">Keys</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key ID and fingerprint</th>
              <th scope="col">Algorithm and validity</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {keys?.map((key) => (
              <KeyRow key={key.keyId} keyView={key} onChanged={done} />
            ))}
            {keys !== null && keys.length === 0 ? (
              <tr>
                <td colSpan={5} className="empty">
                  No keys yet. Generate one, or import an existing key.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {dialog === 'generate' ? (
        <GenerateKeyDialog
          onClose={() => setDialog(null)}
          onGenerated={(key) => done(`Generated key ${key.keyId} (${key.algorithm}).`)}
        />
      ) : null}
      {dialog === 'import' ? (
        <ImportKeyDialog
          onClose={() => setDialog(null)}
          onImported={({ key, merged }) =>
            done(merged ? `Merged the updated public key into ${key.keyId}.` : `Imported key ${key.keyId}.`)
          }
        />
      ) : null}
    </>
  );
}
