import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { createCA, createCert } from 'mkcert';

/** PEM material for an HTTPS server, and where it lives. */
export interface LocalTls {
  /** The local CA certificate users point `SSL_CERT_FILE` at. */
  caPath: string;
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

/** Host names the server certificate is valid for: what terraform/tofu on this machine will dial. */
export const LOCAL_TLS_HOSTS = ['localhost', '127.0.0.1'] as const;

const CA_DAYS = 3650;
// 825 days: the longest validity macOS and browsers accept for a server certificate.
const CERT_DAYS = 825;
const RENEW_BEFORE_MS = 30 * 86_400_000;

/**
 * Makes (on first start) or reuses a local CA and a server certificate for `localhost` and `127.0.0.1` under
 * `dir` (`DATA/tls/`): terraform only speaks HTTPS to registries, and Go honours `SSL_CERT_FILE`, so a private CA
 * is the least a user has to trust. The server certificate is re-issued from the same CA when it is about to
 * expire or lacks a host, so the CA users already trust keeps working. Private keys are written 0600.
 */
export async function ensureLocalTls(dir: string, hosts: readonly string[] = LOCAL_TLS_HOSTS): Promise<LocalTls> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const paths = {
    caPath: join(dir, 'ca.pem'),
    caKeyPath: join(dir, 'ca-key.pem'),
    certPath: join(dir, 'server.pem'),
    keyPath: join(dir, 'server-key.pem'),
  };
  let ca = await readPair(paths.caPath, paths.caKeyPath);
  if (!ca || !isValid(ca.cert, [])) {
    const created = await createCA({
      organization: 'Signet local CA',
      countryCode: 'ZZ',
      state: 'Local',
      locality: 'Local',
      validity: CA_DAYS,
    });
    ca = { cert: created.cert, key: created.key };
    await writePem(paths.caKeyPath, ca.key, 0o600);
    await writePem(paths.caPath, ca.cert, 0o644);
    await writeFile(paths.certPath, ''); // force a new server certificate from the new CA
  }
  let server = await readPair(paths.certPath, paths.keyPath);
  if (!server || !isValid(server.cert, hosts, ca.cert)) {
    const created = await createCert({ ca, domains: [...hosts], validity: CERT_DAYS });
    server = { cert: `${created.cert}${ca.cert}`, key: created.key };
    await writePem(paths.keyPath, server.key, 0o600);
    await writePem(paths.certPath, server.cert, 0o644);
  }
  return { caPath: paths.caPath, certPath: paths.certPath, keyPath: paths.keyPath, cert: server.cert, key: server.key };
}

async function readPair(certPath: string, keyPath: string): Promise<{ cert: string; key: string } | undefined> {
  try {
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    return cert.trim() && key.trim() ? { cert, key } : undefined;
  } catch {
    return undefined;
  }
}

function isValid(pem: string, hosts: readonly string[], caPem?: string): boolean {
  try {
    const cert = new X509Certificate(pem);
    if (Date.parse(cert.validTo) - Date.now() < RENEW_BEFORE_MS) return false;
    if (caPem !== undefined && !cert.checkIssued(new X509Certificate(caPem))) return false;
    return hosts.every((host) => (/^[\d.]+$|:/.test(host) ? cert.checkIP(host) : cert.checkHost(host)) !== undefined);
  } catch {
    return false;
  }
}

async function writePem(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, content, { mode });
  await chmod(temporary, mode);
  await rename(temporary, path);
}
