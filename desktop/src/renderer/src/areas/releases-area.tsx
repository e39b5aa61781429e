import { useState, type FormEvent } from 'react';
import type { ReleaseView } from '../../../shared/api';
import { call } from '../api';
import { formatRelease } from '../format';
import { AreaHeader, AreaLoading } from '../components/area-header';
import { BrowseButton } from '../components/browse-button';
import { ErrorAlert } from '../components/error-alert';
import { TextField } from '../components/text-field';
import { useAction } from '../use-action';
import { useAreaData } from '../use-area-data';
import { NewReleaseDialog } from './new-release-dialog';
import { ReleaseDetail } from './release-detail';

// The open release survives a visit to another area (the area unmounts; this module stays).
let openReleaseId: string | null = null;

function ReleasesTable({ releases, onOpen }: { releases: ReleaseView[]; onOpen: (release: ReleaseView) => void }) {
  if (releases.length === 0) {
    return (
      <p className="empty-block">
        No releases yet. Start a new release from a folder of binaries, or open a release folder.
      </p>
    );
  }
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">Releases</caption>
        <thead>
          <tr>
            <th scope="col">Release</th>
            <th scope="col">Status</th>
            <th scope="col">Problems</th>
            <th scope="col">Release folder</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {releases.map((release) => {
            const errors = release.problems.filter((problem) => problem.severity === 'error').length;
            return (
              <tr key={release.id}>
                <td>
                  <strong>{formatRelease(release)}</strong>
                </td>
                <td>{release.status}</td>
                <td>{release.problems.length === 0 ? 'None' : `${release.problems.length} (${errors} errors)`}</td>
                <td>
                  <code className="path">{release.releaseFolder}</code>
                </td>
                <td>
                  <button type="button" className="button-small" onClick={() => onOpen(release)}>
                    Open
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function ReleasesArea() {
  const [selected, setSelected] = useState<{ id: string; initial: ReleaseView | null } | null>(
    openReleaseId === null ? null : { id: openReleaseId, initial: null },
  );
  const [creating, setCreating] = useState(false);
  const [releaseFolder, setReleaseFolder] = useState('');
  const list = useAreaData('releases', () => call('releasesList', {}));
  const { refresh } = list;
  const releases = list.value ?? [];
  const open = useAction(() => call('releasesOpen', { releaseFolder: releaseFolder.trim() }));

  const select = (release: ReleaseView | null) => {
    openReleaseId = release?.id ?? null;
    setSelected(release === null ? null : { id: release.id, initial: release });
    // Back to the list: read it again (statuses and problems changed while a release was open).
    if (release === null) void refresh();
  };

  const submitOpen = async (event: FormEvent) => {
    event.preventDefault();
    const release = await open.run();
    if (release !== undefined) select(release);
  };

  if (list.loading) return <AreaLoading label="releases" />;

  return (
    <>
      <AreaHeader
        title="Releases"
        intro="A release is a draft in its registry until you publish it: package the binaries, sign SHA256SUMS, fix every problem, publish."
      >
        <button type="button" className="button-primary" onClick={() => setCreating(true)}>
          New release
        </button>
      </AreaHeader>
      <form className="inline-form" onSubmit={(event) => void submitOpen(event)}>
        <TextField
          label="Release folder"
          value={releaseFolder}
          onChange={setReleaseFolder}
          required
          className="field-grow"
          placeholder="/home/you/src/terraform-provider-hello/release"
          hint="A folder with the zips, SHA256SUMS and its .sig (a signet release output); it is validated the same way."
        />
        <BrowseButton title="Release folder" onChosen={setReleaseFolder} />
        <button type="submit" disabled={open.busy}>
          Open release folder
        </button>
      </form>
      <ErrorAlert error={open.error} />
      {selected === null ? (
        <>
          <ErrorAlert error={list.error} />
          <ReleasesTable releases={releases} onOpen={select} />
        </>
      ) : (
        <ReleaseDetail
          key={selected.id}
          releaseId={selected.id}
          initial={selected.initial}
          onBack={() => select(null)}
          onRemoved={() => select(null)}
        />
      )}
      {creating ? (
        <NewReleaseDialog
          onClose={() => setCreating(false)}
          onCreated={(release) => {
            setCreating(false);
            select(release);
          }}
        />
      ) : null}
    </>
  );
}
