import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throw-away CA and a server certificate it signed, as PEM files. */
export interface TestCertificates {
  /** The CA certificate clients verify the server against. */
  readonly caFile: string;
  /** The server certificate (SAN: 127.0.0.1, localhost) and its key. */
  readonly certFile: string;
  readonly keyFile: string;
  /** Removes the files. */
  dispose(): void;
}

/**
 * Creates a private CA and a server certificate for 127.0.0.1 / localhost with the machine's
 * `openssl` (ECDSA P-256, one day), for tests of TLS to a private server.
 *
 * @example
 * const certs = createTestCertificates();
 * const nats = await startNatsServer({ shippedConfig: true, tls: certs });
 */
export function createTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'gh-certs-'));
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const key = (name: string) => openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', f(name));
  key('ca.key');
  openssl('req', '-x509', '-new', '-key', f('ca.key'), '-sha256', '-days', '1', '-subj', '/CN=gatehouse-test-ca', '-out', f('ca.crt'));
  key('server.key');
  openssl('req', '-new', '-key', f('server.key'), '-subj', '/CN=127.0.0.1', '-out', f('server.csr'));
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-sha256', '-extfile', f('san.ext'), '-out', f('server.crt'));
  return { caFile: f('ca.crt'), certFile: f('server.crt'), keyFile: f('server.key'), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
