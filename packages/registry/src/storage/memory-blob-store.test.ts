import { describeBlobStoreContract } from './contract/blob-store-contract';
import { createMemoryBlobBackend, openMemoryBlobStore } from './memory-blob-store';

describeBlobStoreContract('memory', {
  // It keeps every blob in memory by design, and has nothing to refuse or leave behind.
  capabilities: { presign: false, flatMemory: false, leftovers: false, refuseWrites: false, ping: true, head: true },
  createBackend() {
    const backend = createMemoryBlobBackend();
    return Promise.resolve({ open: () => Promise.resolve(openMemoryBlobStore({ backend })) });
  },
});
