import { randomBytes } from 'node:crypto';
import { createPrivateKey } from 'node:crypto';
import { DataSource } from 'typeorm';
import { KeyEncryption } from '../app/keys/key-encryption';
import { startAuthService, type TestAuthService } from './test-auth-app';

describe('signing keys at rest', () => {
  let svc: TestAuthService;
  beforeAll(async () => {
    svc = await startAuthService('keys');
  });
  afterAll(() => svc.dispose());

  const jwks = async (url: string) => ((await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys;

  it('keeps the same key (same kid) across a restart', async () => {
    const before = await jwks(svc.url);
    svc = await svc.restart();
    const after = await jwks(svc.url);
    expect(after.map((k) => k.kid)).toEqual(before.map((k) => k.kid));
  });

  it('stores the private key sealed: unreadable without the KEK, and bound to its kid', async () => {
    const ds = svc.app.get(DataSource);
    const rows: { kid: string; private_key_enc: string }[] = await ds.query('SELECT kid, private_key_enc FROM signing_keys');
    expect(rows).toHaveLength(1);
    const { kid, private_key_enc: sealed } = rows[0]!;
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('PRIVATE KEY');
    const ciphertext = Buffer.from(sealed.split('.')[3]!, 'base64url');
    expect(() => createPrivateKey({ key: ciphertext, format: 'der', type: 'pkcs8' })).toThrow();
    expect(() => new KeyEncryption(randomBytes(32)).decrypt(sealed, kid)).toThrow();

    const right = new KeyEncryption(Buffer.from(svc.config.KEY_ENCRYPTION_KEY!, 'base64'));
    expect(() => right.decrypt(sealed, 'another-kid')).toThrow();
    const key = createPrivateKey({ key: right.decrypt(sealed, kid), format: 'der', type: 'pkcs8' });
    expect(key.asymmetricKeyDetails?.modulusLength).toBeGreaterThanOrEqual(2048);
  });

  it('refuses to start with a different key encryption key', async () => {
    await svc.stop();
    const { startAuthService: start } = await import('./test-auth-app');
    await expect(start('keys', { KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') }, svc.db)).rejects.toThrow();
  });
});
