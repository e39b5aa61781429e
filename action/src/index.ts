// The action's entry point: `node dist/index.js` (bundled by build.ts). The runner gives inputs as INPUT_* variables.
import { run } from './main';

await run();
