import { readFile } from 'node:fs/promises';

import { describe, expect, it } from 'vitest';

import { staticContentType, STATIC_CACHE_CONTROL } from './static-export';
import { formatNginxStaticConfig, NGINX_EXAMPLE_OPTIONS } from './static-export-nginx';

describe('the static export nginx block', () => {
  it('is the block the README documents, byte for byte', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`\`\`\`nginx\n${formatNginxStaticConfig(NGINX_EXAMPLE_OPTIONS)}\`\`\`\n`);
  });

  it('types what the sink would type: JSON documents, and each file kind by its name', () => {
    const config = formatNginxStaticConfig(NGINX_EXAMPLE_OPTIONS);
    for (const location of ['= /.well-known/terraform.json', '/v1/providers/', '/mirror/']) {
      const block = config.split(`location ${location} {`)[1]?.split('\n    }')[0];
      expect(block, location).toContain('types { ');
      expect(block, location).toContain('default_type application/json;');
      expect(block, location).toContain(STATIC_CACHE_CONTROL.document);
    }
    expect(staticContentType('v1/providers/acme/hello/1.0.0/download/linux/amd64')).toBe('application/json');
    expect(staticContentType('v1/files/acme/hello/1.0.0/terraform-provider-hello_1.0.0_SHA256SUMS')).toBe(
      'text/plain; charset=utf-8',
    );
    expect(staticContentType('v1/files/acme/hello/1.0.0/terraform-provider-hello_1.0.0_SHA256SUMS.sig')).toBe(
      'application/pgp-signature',
    );
    expect(config).toContain(STATIC_CACHE_CONTROL.file);
  });
});
