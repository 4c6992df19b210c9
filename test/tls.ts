// A throwaway certificate for TLS tests, made with openssl at test time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Certificate {
  /** PEM files in a fresh temporary directory, for tools such as `redis-cli --cacert`. */
  keyPath: string;
  certPath: string;
  key: Buffer;
  cert: Buffer;
  /** Deletes the directory. */
  remove(): void;
}

/**
 * A self-signed P-256 certificate for `localhost` and `127.0.0.1`, valid for a
 * day. It is its own CA: give `cert` as `ca` to Node's TLS client, or
 * `certPath` as `--cacert` to redis-cli. Needs the `openssl` binary.
 */
export function makeCertificate(): Certificate {
  const dir = mkdtempSync(join(tmpdir(), 'redisproto-tls-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'pipe' },
  );
  return {
    keyPath,
    certPath,
    key: readFileSync(keyPath),
    cert: readFileSync(certPath),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
