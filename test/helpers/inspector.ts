import { WebSocket } from 'undici';

/**
 * The inspector URL a Node process started with `--inspect=127.0.0.1:0` printed on its stderr.
 */
export function readInspectorUrl(stderr: string): string {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1];
  if (url === undefined)
    throw new Error(`No inspector URL on stderr (was the process started with --inspect?):\n${stderr}`);
  return url;
}

/** What the inspector prints on stderr, for tests that expect an otherwise empty stderr. */
export function withoutInspectorLines(stderr: string): string {
  return stderr.replace(
    /^(Debugger listening on|For help, see:|Debugger attached|Debugger ending|Waiting for the debugger).*\n/gm,
    '',
  );
}

/**
 * A full garbage collection in another Node process, through its inspector (`HeapProfiler.collectGarbage`): what
 * a memory measurement needs to read what the process keeps, rather than garbage it has not collected yet (when
 * V8 collects on its own depends on how busy the machine is).
 */
export async function collectGarbage(inspectorUrl: string): Promise<void> {
  const socket = new WebSocket(inspectorUrl);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error(`Cannot open the inspector at ${inspectorUrl}.`)), {
        once: true,
      });
    });
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('message', (event) => {
        const answer = JSON.parse(String(event.data)) as { id?: number; error?: { message: string } };
        if (answer.id !== 1) return;
        if (answer.error) reject(new Error(`HeapProfiler.collectGarbage: ${answer.error.message}`));
        else resolve();
      });
      socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    });
  } finally {
    socket.close();
  }
}
