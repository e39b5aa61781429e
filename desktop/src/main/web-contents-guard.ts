// What every web contents of the app may not do: open windows, navigate or redirect away from app://signet,
// or attach a <webview>. Applied to the main window and, through `web-contents-created`, to anything else.
import type { Event, WebContents, WebContentsWillNavigateEventParams } from 'electron';
import { isAppUrl } from './app-origin';

type GuardedContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

function refuseForeign(event: Event<WebContentsWillNavigateEventParams> | Event, url: string): void {
  if (!isAppUrl(url)) event.preventDefault();
}

/** Denies window.open, navigation and redirects to another origin, and <webview> on `contents`. */
export function guardWebContents(contents: GuardedContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => refuseForeign(event, url));
  contents.on('will-frame-navigate', (event) => refuseForeign(event, event.url));
  contents.on('will-redirect', (event, url) => refuseForeign(event, url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
