import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import cliPackage from '../package.json' with { type: 'json' };
import { main } from './index';

describe('signet --version', () => {
  it.each([['--version'], ['-V']])('%s prints the version of package.json and exits 0', async (flag) => {
    let stdout = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        stdout += chunk.toString();
        callback();
      },
    });
    const code = await main([flag], { stdout: sink, stderr: sink, env: {}, cwd: '/' });
    expect({ code, stdout }).toEqual({ code: 0, stdout: `${cliPackage.version}\n` });
  });
});
