// `dialogChooseFolder`: the native folder dialog, which only main can show (browser mode answers UNSUPPORTED).
import type { BaseWindow, Dialog, OpenDialogOptions } from 'electron';
import type { ChannelArgs, ChannelResults, Result } from '../shared/api';

type FolderDialog = Pick<Dialog, 'showOpenDialog'>;

/** Shows the dialog over `window` and answers the chosen folder, or null when cancelled. */
export async function chooseFolder(
  dialog: FolderDialog,
  window: BaseWindow | null,
  input: ChannelArgs<'dialogChooseFolder'>,
): Promise<Result<ChannelResults['dialogChooseFolder']>> {
  const options: OpenDialogOptions = {
    title: input.title ?? 'Choose a folder',
    properties: ['openDirectory', 'createDirectory'],
  };
  const chosen = window === null ? await dialog.showOpenDialog(options) : await dialog.showOpenDialog(window, options);
  return { ok: true, value: { path: chosen.canceled ? null : (chosen.filePaths[0] ?? null) } };
}
