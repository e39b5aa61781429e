import { STATIC_CACHE_CONTROL } from './static-export';

/** What the nginx `server` block of a static export needs to know. */
export interface NginxStaticConfigOptions {
  /** The export's folder (`signet export static --out DIR`), absolute. */
  root: string;
  /** nginx's `listen` value: `443`, `127.0.0.1:8443`. */
  listen: string;
  serverName: string;
  certificate: string;
  certificateKey: string;
}

/** The values the README's example uses (a test checks that the README shows exactly this block). */
export const NGINX_EXAMPLE_OPTIONS: NginxStaticConfigOptions = {
  root: '/srv/signet-export',
  listen: '443',
  serverName: 'registry.example.com',
  certificate: '/etc/ssl/registry.example.com.pem',
  certificateKey: '/etc/ssl/registry.example.com-key.pem',
};

/**
 * The nginx `server` block that serves a static export the way `signet serve` answers: one source for the README,
 * `signet export static --print-nginx-config` and the end-to-end test. The JSON documents without an extension
 * (`…/versions`, `…/download/OS/ARCH`) get `application/json` from `default_type` with the MIME map emptied per
 * location (terraform requires that type for discovery and the mirror), `try_files $uri =404` makes a folder a
 * 404 instead of a redirect or a listing, and nothing outside the export's paths is served (the sink's state file
 * included).
 */
export function formatNginxStaticConfig(options: NginxStaticConfigOptions): string {
  const json = (location: string) => `    location ${location} {
        types { }
        default_type application/json;
        add_header Cache-Control "${STATIC_CACHE_CONTROL.document}";
        try_files $uri =404;
    }`;
  return `server {
    listen ${options.listen} ssl;
    server_name ${options.serverName};
    ssl_certificate ${options.certificate};
    ssl_certificate_key ${options.certificateKey};

    root ${options.root};
    charset utf-8;
    # Only the export's paths below are served.
    location / {
        return 404;
    }
    # Service discovery.
${json('= /.well-known/terraform.json')}
    # Provider Registry Protocol: …/versions and …/VERSION/download/OS/ARCH.
${json('/v1/providers/')}
    # Network mirror: /mirror/HOST/NS/TYPE/index.json and VERSION.json.
${json('/mirror/')}
    # Zips, SHA256SUMS (no extension: text/plain) and .sig; published bytes never change.
    location /v1/files/ {
        types {
            application/zip zip;
            application/pgp-signature sig;
            application/json json;
        }
        default_type text/plain;
        add_header Cache-Control "${STATIC_CACHE_CONTROL.file}";
        try_files $uri =404;
    }
}
`;
}
