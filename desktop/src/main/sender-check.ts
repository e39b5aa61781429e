// Every IPC handler first asks: did this come from the Signet window's own top frame, showing app://signet?
// A subframe, another window or web contents, or a page of another origin is refused before its input is
// even parsed.
import type { IpcMainInvokeEvent, WebFrameMain } from 'electron';
import { isAppUrl } from './app-origin';

type SenderEvent = Pick<IpcMainInvokeEvent, 'senderFrame'>;
type Frame = Pick<WebFrameMain, 'processId' | 'routingId' | 'url'>;

/** A check bound to the frame the app trusts (the main window's main frame, or null before it exists). */
export type SenderCheck = (event: SenderEvent) => boolean;

/** Creates the check: `trustedFrame()` returns the main window's `webContents.mainFrame`. */
export function createSenderCheck(trustedFrame: () => Frame | null | undefined): SenderCheck {
  return (event) => {
    const frame = event.senderFrame;
    if (frame === null || frame === undefined) return false;
    const trusted = trustedFrame();
    if (trusted === null || trusted === undefined) return false;
    // A frame is (processId, routingId); comparing those does not rely on Electron handing out one wrapper
    // object per frame.
    if (frame !== trusted && (frame.processId !== trusted.processId || frame.routingId !== trusted.routingId)) {
      return false;
    }
    return isAppUrl(frame.url);
  };
}
