import type { ClientEntity } from './client.entity';

/** Most entries kept; beyond it the oldest goes. Only registered, unrevoked clients get in. */
export const CLIENT_CACHE_MAX_ENTRIES = 10_000;

interface Entry {
  client: ClientEntity;
  expiresAt: number;
}

/**
 * Authenticated client records of this process, so that client_credentials needs no database
 * round trip. Correct across replicas only together with {@link ClientChangeListener}: every
 * change to a client sends a NOTIFY in its transaction, and each replica drops the entry.
 *
 * - Off until the listener is connected (`enable`), and cleared whenever it is lost: a missed
 *   NOTIFY must not leave a stale entry.
 * - A read that began before an invalidation is not stored after it: `set` takes the
 *   generation seen before the read and refuses if any invalidation happened since.
 * - Entries expire after `ttlMs` anyway (a safety net; 0 disables the cache).
 * - Only valid clients are stored, and at most {@link CLIENT_CACHE_MAX_ENTRIES}: a flood of
 *   unknown ids cannot grow it.
 */
export class ClientCache {
  private readonly entries = new Map<string, Entry>();
  private generationValue = 0;
  private enabled = false;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The generation to pass to {@link set}; read it before starting the database read. */
  get generation(): number {
    return this.generationValue;
  }

  /** Number of entries (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  /** The cached client, or undefined (unknown, expired, or the cache is off). */
  get(id: string): ClientEntity | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.client;
  }

  /** Stores a valid client read from the database, unless an invalidation happened since `generation`. */
  set(client: ClientEntity, generation: number): void {
    if (!this.enabled || this.ttlMs <= 0 || generation !== this.generationValue || client.revokedAt) return;
    this.entries.delete(client.id);
    if (this.entries.size >= CLIENT_CACHE_MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    // Shared by every request from now on: nothing may change it in place.
    Object.freeze(client.audiences);
    Object.freeze(client.scopes);
    this.entries.set(client.id, { client: Object.freeze(client), expiresAt: this.now() + this.ttlMs });
  }

  /** Drops one client (a NOTIFY, or a change committed by this process). */
  invalidate(id: string): void {
    this.generationValue++;
    this.entries.delete(id);
  }

  /** Starts caching, from empty (the listener is connected and listening). */
  enable(): void {
    this.clear();
    this.enabled = true;
  }

  /** Stops caching and drops everything (the listener is lost; NOTIFYs may be missed). */
  disable(): void {
    this.enabled = false;
    this.clear();
  }

  private clear(): void {
    this.generationValue++;
    this.entries.clear();
  }
}
