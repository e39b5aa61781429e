// What every web contents of the app may not do: open windows, navigate or redirect away from app://signet,
// or attach a <webview>. Applied to the main window and, through `web-contents-created`, to anything else.
import type { Event, WebContents } from 'electron';
import { isAppUrl } from './app-origin';

type GuardedContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

// The URL is read from the event's details (the positional `url` arguments are deprecated).
function refuseForeign(event: Event<{ url: string }>): void {
  if (!isAppUrl(event.url)) event.preventDefault();
}

/** Denies window.open, navigation and redirects to another origin, and <webview> on `contents`. */
export function guardWebContents(contents: GuardedContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', refuseForeign);
  contents.on('will-frame-navigate', refuseForeign);
  contents.on('will-redirect', refuseForeign);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
