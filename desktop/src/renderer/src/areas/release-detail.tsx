import { useEffect, useId, useState } from 'react';
import type { KeyView, RegistryView, ReleaseStatus, ReleaseView } from '../../../shared/api';
import { call } from '../api';
import { formatRelease } from '../format';
import { ErrorAlert } from '../components/error-alert';
import { useAction } from '../use-action';
import { useReleasePoll } from '../use-release-poll';
import { ProblemsRegion } from './problems-region';
import { DeprecateDialog, RemoveReleaseDialog, SignDialog } from './release-dialogs';
import { TaskProgress } from './task-progress';

const STATUS_LABEL: Record<ReleaseStatus, string> = {
  draft: 'Draft',
  published: 'Published',
  deprecated: 'Deprecated',
  yanked: 'Yanked',
};

const STATUS_CLASS: Record<ReleaseStatus, string> = {
  draft: 'badge badge-neutral',
  published: 'badge badge-ok',
  deprecated: 'badge badge-warn',
  yanked: 'badge badge-bad',
};

type Dialog = 'sign' | 'deprecate' | 'remove';

export interface ReleaseDetailProps {
  releaseId: string;
  initial: ReleaseView | null;
  onBack: () => void;
  onRemoved: () => void;
}

/** One release: its steps (Package, Sign, Publish), live Problems, and the published version's actions. */
export function ReleaseDetail({ releaseId, initial, onBack, onRemoved }: ReleaseDetailProps) {
  const headingId = useId();
  const { release, error: pollError, accept } = useReleasePoll(releaseId, initial);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [keys, setKeys] = useState<KeyView[]>([]);
  const [registries, setRegistries] = useState<RegistryView[]>([]);
  const step = useAction(async (channel: 'releasesPackage' | 'releasesPublish' | 'releasesYank' | 'releasesRestore') =>
    call(channel, { releaseId }),
  );

  useEffect(() => {
    call('keysList', {}).then(setKeys, () => setKeys([]));
    call('registriesList', {}).then(setRegistries, () => setRegistries([]));
  }, []);

  if (release === null) {
    return (
      <section aria-label="Release" className="detail">
        <ErrorAlert error={pollError} />
        {pollError === null ? <p className="muted">Loading the release…</p> : null}
        <button type="button" onClick={onBack}>
          All releases
        </button>
      </section>
    );
  }

  const runStep = async (channel: Parameters<typeof step.run>[0]) => {
    const next = await step.run(channel);
    if (next !== undefined) accept(next);
  };
  const running = release.task?.running === true || step.busy;
  const isDraft = release.status === 'draft';
  const key = keys.find((candidate) => candidate.keyId === release.keyId);
  const registry = registries.find((candidate) => candidate.id === release.registryId);
  const taskError = release.task !== null && !release.task.running ? release.task.error : null;
  const coordinates = formatRelease(release);

  return (
    <section className="detail" aria-labelledby={headingId}>
      <div className="detail-header">
        <div>
          <button type="button" className="button-link" onClick={onBack}>
            ← All releases
          </button>
          <h2 id={headingId}>{coordinates}</h2>
        </div>
        <p className="status-line">
          Status: <span className={STATUS_CLASS[release.status]}>{STATUS_LABEL[release.status]}</span>
        </p>
      </div>
      {release.deprecationMessage === null ? null : (
        <p className="deprecation">Deprecation message: {release.deprecationMessage}</p>
      )}
      <dl className="facts">
        <div>
          <dt>Signing key</dt>
          <dd>
            {release.keyId === null ? 'None' : <code>{release.keyId}</code>}
            {key === undefined ? null : <span className="muted"> {key.name}</span>}
          </dd>
        </div>
        <div>
          <dt>Registry</dt>
          <dd>{registry?.name ?? release.registryId}</dd>
        </div>
        <div>
          <dt>Protocols</dt>
          <dd>{release.protocols.length === 0 ? 'Not declared' : release.protocols.join(', ')}</dd>
        </div>
        <div>
          <dt>Input folder</dt>
          <dd>
            <code>{release.inputFolder ?? 'None (opened from its release folder)'}</code>
          </dd>
        </div>
        <div>
          <dt>Release folder</dt>
          <dd>
            <code>{release.releaseFolder}</code>
          </dd>
        </div>
      </dl>

      {isDraft ? (
        <div className="steps" role="group" aria-label="Steps">
          <button
            type="button"
            onClick={() => void runStep('releasesPackage')}
            disabled={running || release.inputFolder === null}
          >
            Package
          </button>
          <button type="button" onClick={() => setDialog('sign')} disabled={running || release.keyId === null}>
            Sign
          </button>
          <button
            type="button"
            className="button-primary"
            onClick={() => void runStep('releasesPublish')}
            disabled={running || !release.publishable}
          >
            Publish
          </button>
          <button type="button" className="button-quiet" onClick={() => setDialog('remove')} disabled={running}>
            Remove release
          </button>
          <span className="muted steps-hint">
            {release.publishable ? '' : 'Publish waits until no error is listed in Problems.'}
            {release.keyId === null ? ' Sign needs a signing key on the release.' : ''}
          </span>
        </div>
      ) : null}
      <TaskProgress task={release.task} />
      <ErrorAlert error={step.error ?? taskError ?? pollError} />

      {isDraft ? null : (
        <div className="steps" role="group" aria-label="Version">
          <button
            type="button"
            onClick={() => setDialog('deprecate')}
            disabled={running || release.status === 'yanked'}
          >
            Deprecate
          </button>
          <button
            type="button"
            className="button-danger"
            onClick={() => void runStep('releasesYank')}
            disabled={running || release.status === 'yanked'}
          >
            Yank
          </button>
          <button
            type="button"
            onClick={() => void runStep('releasesRestore')}
            disabled={running || release.status === 'published'}
          >
            Restore
          </button>
          <span className="muted steps-hint">
            Deprecate warns on init; Yank hides the version from new installs; Restore undoes either.
          </span>
        </div>
      )}

      <ProblemsRegion problems={release.problems} revision={release.revision} />

      {dialog === 'sign' ? (
        <SignDialog
          release={release}
          remembered={key?.passphraseRemembered === true}
          onClose={() => setDialog(null)}
          onDone={(next) => {
            setDialog(null);
            accept(next);
          }}
        />
      ) : null}
      {dialog === 'deprecate' ? (
        <DeprecateDialog
          release={release}
          onClose={() => setDialog(null)}
          onDone={(next) => {
            setDialog(null);
            accept(next);
          }}
        />
      ) : null}
      {dialog === 'remove' ? (
        <RemoveReleaseDialog release={release} onClose={() => setDialog(null)} onRemoved={onRemoved} />
      ) : null}
    </section>
  );
}
