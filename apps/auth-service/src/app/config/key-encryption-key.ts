import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AuthConfig } from './config.schema';

/** What {@link resolveKeyEncryptionKey} decided, so the caller can log a warning. */
export interface ResolvedKek {
  key: Buffer;
  /** Set when a development key file was used or created; the path, never the key. */
  devFile?: string;
}

/**
 * Returns the 32-byte key encryption key. Production takes it only from KEY_ENCRYPTION_KEY
 * (enforced by the config schema); development falls back to `<LOCAL_DIR>/key-encryption-key`,
 * generated on first use.
 */
export function resolveKeyEncryptionKey(config: AuthConfig): ResolvedKek {
  if (config.KEY_ENCRYPTION_KEY) return { key: decodeKey(config.KEY_ENCRYPTION_KEY) };
  if (config.NODE_ENV === 'production') throw new Error('KEY_ENCRYPTION_KEY is required in production');
  const dir = resolve(config.LOCAL_DIR);
  const file = join(dir, 'key-encryption-key');
  try {
    return { key: decodeKey(readFileSync(file, 'utf8').trim()), devFile: file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // 'wx' fails if another process created it meanwhile; then read theirs.
  try {
    writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { key: decodeKey(readFileSync(file, 'utf8').trim()), devFile: file };
  }
  return { key, devFile: file };
}

function decodeKey(value: string): Buffer {
  const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== 32) throw new Error('KEY_ENCRYPTION_KEY must decode to 32 bytes');
  return key;
}
