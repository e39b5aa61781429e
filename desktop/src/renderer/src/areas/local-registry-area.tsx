import { useState, type FormEvent } from 'react';
import type { MirrorExport } from '../../../shared/api';
import { call } from '../api';
import { AreaHeader, AreaLoading } from '../components/area-header';
import { BrowseButton } from '../components/browse-button';
import { CodeBlock } from '../components/code-block';
import { ErrorAlert } from '../components/error-alert';
import { TextField } from '../components/text-field';
import { useAction } from '../use-action';
import { useAreaData } from '../use-area-data';

function parsePort(text: string): number | undefined | null {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (!/^[0-9]{1,5}$/.test(trimmed)) return null;
  const port = Number(trimmed);
  return port <= 65535 ? port : null;
}

export function LocalRegistryArea() {
  const [port, setPort] = useState('');
  const [mirrorFolder, setMirrorFolder] = useState('');
  const [mirror, setMirror] = useState<MirrorExport | null>(null);
  const load = useAreaData('local', () => call('localStatus', {}));
  const { setValue: setStatus } = load;
  const status = load.value ?? null;
  const toggle = useAction(async (start: boolean) => {
    if (!start) return call('localStop', {});
    const chosen = parsePort(port);
    if (chosen === null)
      throw new Error(
        `Port: expected a number from 0 to 65535 or nothing (a free port), found ${JSON.stringify(port)}.`,
      );
    return call('localStart', chosen === undefined ? {} : { port: chosen });
  });
  const exportMirror = useAction(() => call('localExportMirror', { folder: mirrorFolder.trim() }));

  const runToggle = async (event: FormEvent) => {
    event.preventDefault();
    const value = await toggle.run(!(status?.running ?? false));
    if (value !== undefined) setStatus(value);
  };
  const runExport = async (event: FormEvent) => {
    event.preventDefault();
    setMirror(null);
    const value = await exportMirror.run();
    if (value !== undefined) setMirror(value);
  };

  const running = status?.running === true;

  if (load.loading) return <AreaLoading label="the local registry" />;

  return (
    <>
      <AreaHeader
        title="Local registry"
        intro="A Signet registry on this machine (127.0.0.1, TLS from a local CA) for trying terraform init and tofu init against your releases."
      />
      <section className="panel" aria-labelledby="local-server-heading">
        <h2 id="local-server-heading">Server</h2>
        <form
          className={running ? 'inline-form inline-form-bare' : 'inline-form'}
          onSubmit={(event) => void runToggle(event)}
        >
          {running ? null : (
            <TextField
              label="Port"
              value={port}
              onChange={setPort}
              inputMode="numeric"
              placeholder="free port"
              className="field-narrow"
            />
          )}
          <button type="submit" className={running ? '' : 'button-primary'} disabled={toggle.busy || status === null}>
            {running ? 'Stop registry' : 'Start registry'}
          </button>
          <p role="status" className={running ? 'server-status server-running' : 'server-status'}>
            <span className="dot" aria-hidden="true" />
            {status === null ? 'Reading the status…' : running ? `Running at ${status.url ?? ''}` : 'Stopped'}
          </p>
        </form>
        <ErrorAlert error={load.error ?? toggle.error} />
        {status === null ? null : (
          <dl className="facts">
            <div>
              <dt>Data folder</dt>
              <dd>
                <code>{status.dataDir}</code>
              </dd>
            </div>
            <div>
              <dt>Local CA</dt>
              <dd>{status.caFile === null ? 'Made on first start' : <code>{status.caFile}</code>}</dd>
            </div>
          </dl>
        )}
      </section>
      {running && status !== null ? (
        <section className="panel" aria-labelledby="local-use-heading">
          <h2 id="local-use-heading">Use it</h2>
          <div className="code-grid">
            <CodeBlock
              label="Source address"
              text={status.sourceAddress}
              note="In required_providers, as the provider's source."
            />
            <CodeBlock
              label="CLI configuration"
              text={status.cliConfiguration}
              note="In ~/.terraformrc or ~/.tofurc (or the file TF_CLI_CONFIG_FILE names)."
            />
            <CodeBlock
              label="Environment"
              text={status.environment}
              note="In the shell that runs terraform or tofu, so they trust the local CA."
            />
          </div>
        </section>
      ) : (
        <p className="empty-block">
          Start the registry to see the source address, the CLI configuration and the environment to use.
        </p>
      )}
      <section className="panel" aria-labelledby="local-mirror-heading">
        <h2 id="local-mirror-heading">Mirror export</h2>
        <p className="muted">
          Writes every published provider to a folder in the layout terraform and tofu read with no server at all.
        </p>
        <form className="inline-form" onSubmit={(event) => void runExport(event)}>
          <TextField
            label="Mirror folder"
            value={mirrorFolder}
            onChange={setMirrorFolder}
            required
            className="field-grow"
            placeholder="/home/you/terraform-mirror"
          />
          <BrowseButton title="Mirror folder" onChosen={setMirrorFolder} />
          <button type="submit" disabled={exportMirror.busy}>
            Export mirror
          </button>
        </form>
        <ErrorAlert error={exportMirror.error} />
        {mirror === null ? null : (
          <>
            <p role="status">
              Exported {mirror.files} {mirror.files === 1 ? 'file' : 'files'} to <code>{mirror.folder}</code>.
            </p>
            <CodeBlock
              label="Filesystem mirror"
              text={mirror.filesystemMirror}
              note="In the CLI configuration file, instead of the network mirror."
            />
          </>
        )}
      </section>
    </>
  );
}
