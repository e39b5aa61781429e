// A cluster worker for ipc-channel.test.ts: echoes what the primary sends through createProcessChannel, and once
// the primary has disconnected, exits 7 when a send throws IpcChannelClosedError (1 otherwise).
import { createProcessChannel, IpcChannelClosedError } from './ipc-channel';

const channel = createProcessChannel();
const stopEcho = channel.onMessage((message) => {
  const { kind, value } = message as { kind?: string; value?: unknown };
  if (kind === 'echo') channel.send({ kind: 'echoed', value });
  if (kind === 'mute') stopEcho();
});
channel.onMessage((message) => {
  if ((message as { kind?: string }).kind === 'ping') channel.send({ kind: 'pong' });
});
process.once('disconnect', () => {
  try {
    channel.send({ kind: 'too late' });
    process.exit(1);
  } catch (error) {
    process.exit(error instanceof IpcChannelClosedError ? 7 : 1);
  }
});
channel.send({ kind: 'ready' });
