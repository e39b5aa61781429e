// The services host: the entry of the utilityProcess main starts (services-client.ts). It runs the desktop's
// services (RSA keygen, packaging, hashing, the local registry) off the main thread, answers main's calls over
// process.parentPort, and asks main for safeStorage through the vault bridge.
import type { ParentPort as ElectronParentPort } from 'electron';
import { createServices, dispatch } from '../services';
import { runServicesHost } from './services-host-loop';

const parentPort = (process as NodeJS.Process & { parentPort?: ElectronParentPort }).parentPort;
if (parentPort === undefined) {
  console.error('services-host runs inside an Electron utilityProcess (process.parentPort is missing).');
  process.exit(2);
}

runServicesHost(
  parentPort,
  async ({ dataDir, vault }) => {
    const services = await createServices({
      dataDir,
      vault,
      mode: 'electron',
      log: (level, message) => console.error(`[services ${level}] ${message}`),
    });
    return {
      dispatch: (channel, input) => dispatch(services.handlers, channel, input, services.log),
      close: () => services.close(),
    };
  },
  () => process.exit(0),
);
