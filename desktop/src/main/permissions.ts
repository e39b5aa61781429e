// The renderer needs no permission (camera, notifications, clipboard-read, …): every request and check is
// refused. Copy buttons use the clipboard *write* of a user gesture, which asks no permission.
import type { Session } from 'electron';

type PermissionSession = Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>;

/** Refuses every permission request and check of `session`. */
export function denyAllPermissions(session: PermissionSession): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
