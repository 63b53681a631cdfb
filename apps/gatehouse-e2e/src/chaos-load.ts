import { randomBytes, type KeyObject } from 'node:crypto';
import type { ServiceProcess } from '@gatehouse/testing';
import { enc, signSegments } from '@gatehouse/testing';

/** Mints service tokens with auth-service's own signing key (read from its database), so load costs auth-service nothing but the revocation. */
export class TokenMint {
  constructor(
    private readonly key: { kid: string; key: KeyObject },
    private readonly issuer: string,
    private readonly clientId: string,
  ) {}

  mint(): { token: string; jti: string } {
    const now = Math.floor(Date.now() / 1000);
    const jti = randomBytes(12).toString('base64url');
    const claims = { iss: this.issuer, sub: this.clientId, aud: ['orders', 'inventory'], exp: now + 900, iat: now, jti, client_id: this.clientId, scope: 'orders:read' };
    return { token: signSegments(enc({ alg: 'RS256', typ: 'at+jwt', kid: this.key.kid }), enc(claims), this.key.key), jti };
  }
}

/** Every HTTP status seen, per service, for the "never a 500" checks. */
export class StatusLog {
  readonly counts = new Map<string, number>();
  readonly serverErrors: string[] = [];
  /** Services whose 503 is the right answer for now (auth-service while its database restarts). */
  readonly unavailableAllowed = new Set<string>();

  record(service: string, status: number): void {
    const key = `${service} ${status}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    const expected = status === 503 && this.unavailableAllowed.has(service);
    if (status >= 500 && !expected && this.serverErrors.length < 20) this.serverErrors.push(key);
  }
}

/** Revokes tokens over POST /oauth/revoke, retrying on another replica until one answers 200. */
export class Revoker {
  private next = 0;

  constructor(
    private readonly replicas: () => ServiceProcess[],
    private readonly basic: string,
    private readonly log: StatusLog,
  ) {}

  /** Resolves with the time the revocation was acknowledged (performance.now()); throws after `ms` of failures. */
  async revoke(token: string, ms = 60_000): Promise<number> {
    const deadline = performance.now() + ms;
    for (;;) {
      const live = this.replicas();
      const target = live[this.next++ % Math.max(1, live.length)];
      if (target) {
        const status = await fetch(`${target.url}/oauth/revoke`, {
          method: 'POST',
          headers: { authorization: `Basic ${this.basic}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
          signal: AbortSignal.timeout(5000),
        }).then((r) => r.status, () => 0);
        if (status !== 0) this.log.record('auth-service', status);
        if (status === 200) return performance.now();
      }
      if (performance.now() > deadline) throw new Error('revocation not acknowledged in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Status of GET `<verifier>/<path>` with a bearer token; 0 when the request failed. */
export async function verifierStatus(verifier: ServiceProcess, path: string, token: string, log: StatusLog): Promise<number> {
  const status = await fetch(`${verifier.url}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) }).then((r) => r.status, () => 0);
  if (status !== 0) log.record(verifier.name, status);
  return status;
}

/** A verifier and the protected path it is polled on. */
export interface Target {
  service: ServiceProcess;
  path: string;
}

/** One probe: how long after its revocation was acknowledged every verifier refused the token. */
export interface Probe {
  at: number;
  ms: number;
  /** Per verifier, when slow (for diagnosis). */
  each?: Record<string, number>;
}

/**
 * Revocations at a steady rate plus one timed probe at a time, until stopped.
 * `revoked` collects every acknowledged token (load and probes) for the final "all refused" check.
 */
export class RevocationLoad {
  readonly revoked: string[] = [];
  readonly probes: Probe[] = [];
  readonly anomalies: string[] = [];
  private running = false;
  private inFlight = 0;
  private tasks: Promise<void>[] = [];

  constructor(
    private readonly mint: TokenMint,
    private readonly revoker: Revoker,
    private readonly targets: Target[],
    private readonly log: StatusLog,
  ) {}

  start(perSecond: number): void {
    this.running = true;
    this.tasks = [this.steady(perSecond), this.probeLoop()];
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.tasks);
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
  }

  private async steady(perSecond: number): Promise<void> {
    const began = performance.now();
    let issued = 0;
    while (this.running) {
      const due = Math.floor(((performance.now() - began) / 1000) * perSecond);
      // A cap on outstanding requests, so an outage does not pile up thousands of sockets.
      while (issued < due && this.inFlight < 100) {
        issued++;
        this.inFlight++;
        const { token } = this.mint.mint();
        this.revoker.revoke(token).then(
          () => this.revoked.push(token),
          (err: unknown) => this.anomalies.push(`load revocation failed: ${String(err)}`),
        ).finally(() => this.inFlight--);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private async probeLoop(): Promise<void> {
    while (this.running) {
      const { token } = this.mint.mint();
      for (const t of this.targets) {
        const before = await verifierStatus(t.service, t.path, token, this.log);
        if (before === 401) this.anomalies.push(`${t.service.name} refused a fresh token`);
      }
      const acked = await this.revoker.revoke(token);
      this.revoked.push(token);
      const refused = await Promise.all(this.targets.map((t) => this.untilRefused(t, token, acked)));
      const ms = Math.max(...refused);
      this.probes.push(ms > 250 ? { at: acked, ms, each: Object.fromEntries(this.targets.map((t, i) => [t.service.name, Math.round(refused[i] ?? NaN)])) } : { at: acked, ms });
      await new Promise((r) => setTimeout(r, 40));
    }
  }

  private async untilRefused(t: Target, token: string, since: number): Promise<number> {
    for (;;) {
      if ((await verifierStatus(t.service, t.path, token, this.log)) === 401) return performance.now() - since;
      if (performance.now() - since > 30_000) {
        this.anomalies.push(`${t.service.name} still accepted a revoked token after 30 s`);
        return performance.now() - since;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

/** p50/p99/max of `values` (ms, rounded to 0.1). */
export function percentiles(values: number[]): { n: number; p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
  const r = (v: number) => Math.round(v * 10) / 10;
  return { n: sorted.length, p50: r(at(0.5)), p99: r(at(0.99)), max: r(sorted[sorted.length - 1] ?? NaN) };
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let item = items[i++]; item !== undefined; item = items[i++]) await fn(item);
    }),
  );
}
