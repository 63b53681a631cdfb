import { EVENTS_STREAM, type GatehouseEvent } from '@gatehouse/contracts';
import { startNatsServer, type TestNatsServer } from '@gatehouse/testing';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import { connectNats } from './connect-nats';
import { EventConsumer } from './event-consumer';
import { EventPublisher } from './event-publisher';
import { ensureEventStream } from './event-stream';
import type { EventMeta } from './event-consumer.types';
import { publishGenesisCheckpoint } from './stream-checkpoints';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const codec = JSONCodec<unknown>();

/** The shipped accounts and permissions (deploy/nats/gatehouse-auth.conf) on a private nats-server. */
describe('shipped NATS configuration: accounts and per-service permissions', () => {
  let nats: TestNatsServer;
  let auth: NatsConnection;
  let orders: NatsConnection;
  let inventory: NatsConnection;
  const access = (user: 'auth-service' | 'orders-service' | 'inventory-service') => ({ user, password: nats.credentials[user]?.password });
  const messages = async () => (await (await auth.jetstreamManager()).streams.info(EVENTS_STREAM)).state.messages;

  beforeAll(async () => {
    nats = await startNatsServer({ shippedConfig: true });
    auth = await connectNats(nats.url, 'permissions-spec-auth', access('auth-service'));
    await ensureEventStream(await auth.jetstreamManager());
    await publishGenesisCheckpoint(auth);
    orders = await connectNats(nats.url, 'permissions-spec-orders', access('orders-service'));
    inventory = await connectNats(nats.url, 'permissions-spec-inventory', access('inventory-service'));
  });

  afterAll(async () => {
    await Promise.all([auth, orders, inventory].map((nc) => nc?.close()));
    await nats.dispose();
  });

  it('refuses a connection without credentials, and one with a wrong password', async () => {
    await expect(connect({ servers: nats.url, reconnect: false })).rejects.toMatchObject({ code: 'AUTHORIZATION_VIOLATION' });
    await expect(connect({ servers: nats.url, reconnect: false, user: 'orders-service', pass: 'not-the-password-at-all' })).rejects.toMatchObject({ code: 'AUTHORIZATION_VIOLATION' });
  });

  it('auth-service publishes on both paths and verifiers apply each event within milliseconds', async () => {
    const applied: { event: GatehouseEvent; meta: EventMeta; at: number }[] = [];
    const consumers = [orders, inventory].map(
      (nc) => new EventConsumer(nc, (event, meta) => applied.push({ event, meta, at: Date.now() }), { requireCheckpoint: true, logger: quiet, probeIntervalMs: 250 }),
    );
    await Promise.all(consumers.map((c) => c.start()));
    try {
      expect(await Promise.all(consumers.map((c) => c.waitForCatchUp(5000)))).toEqual([true, true]);
      expect(consumers.map((c) => c.trusted)).toEqual([true, true]);
      const jti = randomUUID();
      const sentAt = Date.now();
      await new EventPublisher(auth).publish('gatehouse.revoked.token', { v: 1, jti, exp: Math.floor(Date.now() / 1000) + 300 }, randomUUID());
      const deadline = Date.now() + 5000;
      while (applied.filter((a) => a.event.subject === 'gatehouse.revoked.token' && a.event.payload.jti === jti).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      const mine = applied.filter((a) => a.event.subject === 'gatehouse.revoked.token' && a.event.payload.jti === jti);
      expect(mine).toHaveLength(2);
      // The usual milliseconds; 1 s is the margin for a loaded shared machine.
      for (const a of mine) expect(a.at - sentAt).toBeLessThan(1000);
    } finally {
      await Promise.all(consumers.map((c) => c.stop()));
    }
  });

  it.each(['orders-service', 'inventory-service'] as const)('%s cannot publish events, purge, delete or edit the stream: permission violations, nothing changed', async (user) => {
    const nc = user === 'orders-service' ? orders : inventory;
    const before = await messages();
    const jsm = await nc.jetstreamManager();
    const violation = expect.objectContaining({ message: expect.stringMatching(/Permissions Violation/) });
    await expect(nc.jetstream().publish('gatehouse.revoked.subject', codec.encode({ v: 1, sub: 'victim', notBefore: 1 }), { timeout: 2000 })).rejects.toEqual(violation);
    await expect(jsm.streams.purge(EVENTS_STREAM)).rejects.toEqual(violation);
    await expect(jsm.streams.delete(EVENTS_STREAM)).rejects.toEqual(violation);
    await expect(jsm.streams.update(EVENTS_STREAM, { max_age: 1_000_000_000 })).rejects.toEqual(violation);
    await expect(jsm.streams.deleteMessage(EVENTS_STREAM, 1)).rejects.toEqual(violation);
    await expect(jsm.streams.add({ name: 'ROGUE', subjects: ['rogue.>'] })).rejects.toEqual(violation);

    // Core-NATS publishes get no answer, so watch the fast path and the stream for them.
    const seen: string[] = [];
    const watcher = (user === 'orders-service' ? inventory : orders).subscribe('_gh_fast.gatehouse.>', { callback: (_e, m) => seen.push(m.subject) });
    nc.publish('_gh_fast.gatehouse.revoked.subject', codec.encode({ v: 1, sub: 'victim', notBefore: 1 }));
    nc.publish('gatehouse.keys.rotated', codec.encode({ v: 1, kids: ['forged'] }));
    await nc.flush().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    watcher.unsubscribe();
    expect(seen).toEqual([]);
    expect(await messages()).toBe(before);
    const info = await (await auth.jetstreamManager()).streams.info(EVENTS_STREAM);
    expect(info.config.max_age).not.toBe(1_000_000_000);
  });

  it('auth-service itself cannot purge or delete the stream', async () => {
    const jsm = await auth.jetstreamManager();
    await expect(jsm.streams.purge(EVENTS_STREAM)).rejects.toThrow(/Permissions Violation/);
    await expect(jsm.streams.delete(EVENTS_STREAM)).rejects.toThrow(/Permissions Violation/);
    expect(await messages()).toBeGreaterThan(0);
  });
});
