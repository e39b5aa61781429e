import type { PlatformState, ReleaseTask } from '../../../shared/api';
import { formatBytes } from '../format';

const STATE_LABEL: Record<PlatformState, string> = {
  waiting: 'Waiting',
  packaging: 'Packaging',
  done: 'Done',
  failed: 'Failed',
};

function PackageProgress({ task }: { task: ReleaseTask }) {
  const total = task.platforms.length;
  const done = task.platforms.filter((platform) => platform.state === 'done').length;
  return (
    <>
      {task.running ? (
        <div className="progress-line">
          <progress
            aria-label="Packaging"
            max={Math.max(total, 1)}
            value={done}
            aria-valuetext={`${done} of ${total} platforms`}
          />
          <span className="muted">
            {done} of {total} platforms
          </span>
        </div>
      ) : null}
      {total === 0 ? null : (
        <ul className="platform-list" aria-label="Platforms">
          {task.platforms.map((platform) => (
            <li key={platform.platform} className={`platform state-${platform.state}`}>
              <code>{platform.platform}</code>
              <span className="state">{STATE_LABEL[platform.state]}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function PublishProgress({ task }: { task: ReleaseTask }) {
  if (!task.running) return null;
  const text = `${formatBytes(task.bytesSent)} of ${formatBytes(task.bytesTotal)}`;
  return (
    <div className="progress-line">
      <progress aria-label="Upload" max={Math.max(task.bytesTotal, 1)} value={task.bytesSent} aria-valuetext={text} />
      <span className="muted">Uploading {text}</span>
    </div>
  );
}

/** The running (or last) task of a release: packaging per platform, signing, or upload bytes. */
export function TaskProgress({ task }: { task: ReleaseTask | null }) {
  if (task === null) return null;
  return (
    <div className="task">
      {task.kind === 'package' ? <PackageProgress task={task} /> : null}
      {task.kind === 'publish' ? <PublishProgress task={task} /> : null}
      {task.kind === 'sign' && task.running ? (
        <p className="busy">
          <span className="spinner" aria-hidden="true" />
          Signing SHA256SUMS…
        </p>
      ) : null}
    </div>
  );
}
