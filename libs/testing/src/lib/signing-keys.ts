import { createDecipheriv, createPrivateKey, type KeyObject } from 'node:crypto';
import { Client } from 'pg';

/**
 * Reads the signing keys from an auth-service test database, decrypted with its KEK (test-only:
 * corpora sign hostile tokens with the real key).
 *
 * @example const [{ kid, key }] = await readSigningKeys(db.url, kek);
 */
export async function readSigningKeys(databaseUrl: string, kek: Buffer): Promise<{ kid: string; key: KeyObject }[]> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ kid: string; private_key_enc: string }>('SELECT kid, private_key_enc FROM signing_keys ORDER BY activate_at DESC');
    return rows.map((r) => {
      const [, iv, tag, ct] = r.private_key_enc.split('.') as [string, string, string, string];
      const d = createDecipheriv('aes-256-gcm', kek, Buffer.from(iv, 'base64url'));
      d.setAAD(Buffer.from(r.kid));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      const der = Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]);
      return { kid: r.kid, key: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) };
    });
  } finally {
    await db.end();
  }
}
