/**
 * The last `capacity` event ids applied, oldest evicted first, so an event that arrives on both
 * paths (fast, then stream, or the other way round after a reconnect) is applied once. Eviction
 * only costs a repeated, idempotent apply, never a lost one.
 */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('RecentIds: capacity must be a positive integer');
  }

  /** Records `id`; returns false if it was already recorded. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      // A Set iterates in insertion order: the first entry is the oldest.
      const oldest = this.ids.values().next();
      if (oldest.done !== true) this.ids.delete(oldest.value);
    }
    return true;
  }

  /** Ids held. */
  get size(): number {
    return this.ids.size;
  }
}
