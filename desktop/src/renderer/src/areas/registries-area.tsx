import { useState } from 'react';
import type { ConnectionProblem, ConnectionTest, RegistryView } from '../../../shared/api';
import { call } from '../api';
import { AreaHeader, AreaLoading } from '../components/area-header';
import { ErrorAlert } from '../components/error-alert';
import { Notice } from '../components/notice';
import { useAction } from '../use-action';
import { useAreaData } from '../use-area-data';
import { AddRegistryDialog } from './add-registry-dialog';

const PROBLEM_LABEL: Record<ConnectionProblem, string> = {
  unreachable: 'Unreachable',
  tls: 'TLS',
  token: 'Token rights',
  'not-a-registry': 'Not a registry',
};

function tokenLine(registry: RegistryView): string {
  if (registry.builtIn) return 'Built in: the admin token of this machine';
  if (!registry.hasToken) return 'No token (public reads only)';
  return registry.tokenStorage === 'plain' ? 'Token kept in plain text (you accepted it)' : 'Token in secret storage';
}

function RegistryRow({ registry, onRemoved }: { registry: RegistryView; onRemoved: (name: string) => void }) {
  const [result, setResult] = useState<ConnectionTest | null>(null);
  const test = useAction(() => call('registriesTest', { registryId: registry.id }));
  const remove = useAction(() => call('registriesRemove', { registryId: registry.id }));

  const runTest = async () => {
    setResult(null);
    const value = await test.run();
    if (value !== undefined) setResult(value);
  };
  const runRemove = async () => {
    const value = await remove.run();
    if (value !== undefined) onRemoved(registry.name);
  };

  return (
    <tr>
      <td>
        <strong>{registry.name}</strong>
        {registry.builtIn ? <span className="badge badge-neutral badge-inline">Built in</span> : null}
      </td>
      <td>
        {registry.url === null ? (
          <span className="muted">This machine, when started</span>
        ) : (
          <code>{registry.url}</code>
        )}
      </td>
      <td>
        <div>{tokenLine(registry)}</div>
        {registry.caFile === null ? null : (
          <div className="muted small">
            CA file: <code>{registry.caFile}</code>
          </div>
        )}
      </td>
      <td>
        <div className="row-actions">
          <button type="button" className="button-small" onClick={() => void runTest()} disabled={test.busy}>
            Test connection
          </button>
          {registry.builtIn ? null : (
            <button
              type="button"
              className="button-small button-danger"
              onClick={() => void runRemove()}
              disabled={remove.busy}
            >
              Remove
            </button>
          )}
        </div>
        <div role="status" className="test-result">
          {test.busy ? 'Testing…' : null}
          {result === null ? null : (
            <span className={result.ok ? 'test-ok' : 'test-bad'}>
              {result.ok ? 'OK: ' : `${result.problem === null ? 'Problem' : PROBLEM_LABEL[result.problem]}: `}
              {result.message}
            </span>
          )}
        </div>
        <ErrorAlert error={test.error ?? remove.error} />
      </td>
    </tr>
  );
}

export function RegistriesArea() {
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const list = useAreaData('registries', () => call('registriesList', {}));
  const { refresh } = list;
  const registries = list.value ?? [];

  if (list.loading) return <AreaLoading label="registries" />;

  return (
    <>
      <AreaHeader
        title="Registries"
        intro="Where releases are published: the local registry on this machine, or a Signet registry you have a token for."
      >
        <button type="button" className="button-primary" onClick={() => setAdding(true)}>
          Add registry
        </button>
      </AreaHeader>
      <Notice message={notice} onDismiss={() => setNotice(null)} />
      <ErrorAlert error={list.error} />
      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">Registries</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">URL</th>
              <th scope="col">Credentials</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {registries.map((registry) => (
              <RegistryRow
                key={registry.id}
                registry={registry}
                onRemoved={(name) => {
                  setNotice(`Removed registry ${name}.`);
                  void refresh();
                }}
              />
            ))}
          </tbody>
        </table>
      </div>
      {adding ? (
        <AddRegistryDialog
          onClose={() => setAdding(false)}
          onAdded={(registry) => {
            setAdding(false);
            setNotice(`Added registry ${registry.name}.`);
            void refresh();
          }}
        />
      ) : null}
    </>
  );
}
