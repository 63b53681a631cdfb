/**
 * Pure key-rotation arithmetic: no I/O, no clock. The DB side (KeyRotationService) loads the
 * rows, asks {@link planRotation} what to do at `now`, and applies the plan under a lock.
 *
 * Lifecycle of a key: published at `publishAt`, signs from `activateAt` until its successor's
 * `activateAt` (= its `retireAt`), stays published until `expireAt` = `retireAt` + tail, then is
 * deleted. At any instant exactly one key signs (the newest activated, unretired, unexpired one).
 */

/** The timestamps of one signing key, as stored in `signing_keys`. */
export interface KeyWindow {
  kid: string;
  publishAt: Date;
  activateAt: Date;
  retireAt: Date | null;
  expireAt: Date | null;
}

/** Rotation settings, in milliseconds. */
export interface RotationPolicy {
  /** How long a key signs before its successor takes over (`KEY_ROTATION_INTERVAL`). */
  intervalMs: number;
  /**
   * Minimum time a successor is published before it signs: the JWKS cache max-age plus the
   * time replicas take to load it (`KEY_PUBLISH_AHEAD` + `KEY_CHECK_INTERVAL`).
   */
  leadMs: number;
  /**
   * How long a retired key stays published: the longest token life plus replica lag and clock
   * skew (`ACCESS_TOKEN_TTL` + `KEY_CHECK_INTERVAL` + `KEY_CLOCK_SKEW`).
   */
  tailMs: number;
}

/** What one rotation step must change. Empty when nothing is due. */
export interface RotationPlan {
  /** A key to generate, or null. `publishAt === activateAt` means "sign at once" (no signer yet). */
  create: { publishAt: Date; activateAt: Date } | null;
  /** Keys whose successor has started signing: set their retire and expire times. */
  retire: { kid: string; retireAt: Date; expireAt: Date }[];
  /** Keys past `expireAt`: every token they signed has expired; delete them. */
  remove: string[];
}

/** True once `key` has left the JWKS for good. */
export function isExpired(key: KeyWindow, now: Date): boolean {
  return key.expireAt !== null && key.expireAt.getTime() <= now.getTime();
}

/** Oldest activation first; kid breaks ties so the order is total. */
function byActivation(a: KeyWindow, b: KeyWindow): number {
  return a.activateAt.getTime() - b.activateAt.getTime() || (a.kid < b.kid ? -1 : 1);
}

/**
 * The key that signs at `now`: the newest one activated, not retired and not expired.
 *
 * @returns undefined when no key may sign (only before the first key exists)
 */
export function signerAt<K extends KeyWindow>(keys: readonly K[], now: Date): K | undefined {
  const t = now.getTime();
  const candidates = keys.filter((k) => !isExpired(k, now) && k.activateAt.getTime() <= t && (k.retireAt === null || k.retireAt.getTime() > t));
  return candidates.sort(byActivation).at(-1);
}

/** The keys the JWKS lists at `now` (published, not expired), newest activation first. */
export function publishedAt<K extends KeyWindow>(keys: readonly K[], now: Date): K[] {
  return keys.filter((k) => k.publishAt.getTime() <= now.getTime() && !isExpired(k, now)).sort(byActivation).reverse();
}

/**
 * Decides one rotation step at `now`:
 * - no signer at all (first boot, or every key expired) → a key that signs at once;
 * - no successor yet and the signer is due within `leadMs` → a successor published now that
 *   activates at max(now + lead, signer.activateAt + interval);
 * - a key whose successor has activated → retire it at that activation, expire it `tailMs` later;
 * - keys past `expireAt` → remove.
 *
 * @param keys - every row of `signing_keys`
 * @param now - the current time, read after taking the rotation lock
 * @param policy - durations in milliseconds, all ≥ 0
 * @throws Error if a duration is negative or not finite (a programming error)
 * @example
 * const plan = planRotation(rows, new Date(), { intervalMs: 86_400_000, leadMs: 360_000, tailMs: 420_000 });
 */
export function planRotation(keys: readonly KeyWindow[], now: Date, policy: RotationPolicy): RotationPlan {
  for (const [name, ms] of Object.entries(policy)) {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`rotation policy ${name} must be a non-negative number`);
  }
  const t = now.getTime();
  const live = keys.filter((k) => !isExpired(k, now)).sort(byActivation);
  const remove = keys.filter((k) => isExpired(k, now)).map((k) => k.kid);

  const retire: RotationPlan['retire'] = [];
  live.forEach((key, i) => {
    const successor = live[i + 1];
    if (key.retireAt !== null || !successor || successor.activateAt.getTime() > t) return;
    const retireAt = successor.activateAt;
    retire.push({ kid: key.kid, retireAt, expireAt: new Date(retireAt.getTime() + policy.tailMs) });
  });

  const signer = signerAt(live, now);
  const successor = live.find((k) => k.activateAt.getTime() > t);
  let create: RotationPlan['create'] = null;
  if (!signer) {
    create = { publishAt: now, activateAt: now };
  } else if (!successor) {
    const due = signer.activateAt.getTime() + policy.intervalMs;
    if (due - t <= policy.leadMs) create = { publishAt: now, activateAt: new Date(Math.max(t + policy.leadMs, due)) };
  }
  return { create, retire, remove };
}
