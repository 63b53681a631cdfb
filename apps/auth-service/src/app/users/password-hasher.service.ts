import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { compare, hash } from 'bcrypt';
import { createHash, randomBytes } from 'node:crypto';
import { AUTH_CONFIG } from '../config/config.tokens';
import type { AuthConfig } from '../config/config.schema';

/** Longest password accepted, in UTF-8 bytes (DESIGN.md, Passwords). */
export const MAX_PASSWORD_BYTES = 1024;

/**
 * bcrypt with a SHA-256 pre-hash. bcrypt reads only 72 bytes and stops at NUL; hashing first
 * and base64-encoding (44 ASCII chars) makes every byte of a long password count.
 * bcrypt's async API runs on the libuv pool, so hashing stays off the event loop.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private dummyHash = '';

  constructor(@Inject(AUTH_CONFIG) private readonly config: AuthConfig) {}

  async onModuleInit(): Promise<void> {
    // Compared against when the account is unknown, so both paths cost one bcrypt at the same cost.
    this.dummyHash = await this.hash(randomBytes(32).toString('base64'));
  }

  /** Hashes a password for storage. */
  hash(password: string): Promise<string> {
    return hash(prehash(password), this.config.BCRYPT_COST);
  }

  /** Checks `password` against `stored`; with `stored` null, burns the same time and returns false. */
  async verify(password: string, stored: string | null): Promise<boolean> {
    const ok = await compare(prehash(password), stored ?? this.dummyHash);
    return stored !== null && ok;
  }
}

function prehash(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('base64');
}
