import { EVENT_SUBJECTS, type GatehouseEvent } from '@gatehouse/contracts';
import type { JetStreamManager, NatsConnection } from 'nats';
import { recordingLogger, TEST_NATS_URL, uniqueStream, waitFor } from '../test/nats-test-env';
import { connectNats } from './connect-nats';
import { EventConsumer } from './event-consumer';
import type { EventHandler } from './event-consumer.types';
import { EventPublisher } from './event-publisher';
import { ensureEventStream } from './event-stream';

describe('EventConsumer (real NATS)', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const streams: string[] = [];
  const consumers: EventConsumer[] = [];

  beforeAll(async () => {
    nc = await connectNats(TEST_NATS_URL, 'revocation-events-consumer-spec');
    jsm = await nc.jetstreamManager();
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await Promise.all(streams.map((s) => jsm.streams.delete(s).catch(() => false)));
    await nc.drain();
  });

  /** A fresh stream per test, so "empty" and "N messages" mean exactly that. */
  async function setup(handler: EventHandler, probeIntervalMs = 200) {
    const { stream, prefix } = uniqueStream();
    streams.push(stream);
    await ensureEventStream(jsm, { name: stream, subjectPrefix: prefix });
    const logger = recordingLogger();
    const consumer = new EventConsumer(nc, handler, { stream, prefix, logger, probeIntervalMs });
    consumers.push(consumer);
    return { stream, prefix, logger, consumer, publisher: new EventPublisher(nc, { prefix }) };
  }

  const revoke = (jti: string) => ({ v: 1, jti, exp: 1_900_000_000 }) as const;

  it('is caught up at once on an empty stream and tracks contact', async () => {
    const { consumer } = await setup(() => undefined);
    await consumer.start();
    expect(consumer.caughtUp).toBe(true);
    expect(consumer.lastSeq).toBe(0);
    expect(consumer.lastContactAt).toBeInstanceOf(Date);
    const first = consumer.lastContactAt!.getTime();
    await waitFor(() => consumer.lastContactAt!.getTime() > first); // the probe refreshes it while idle
  });

  it('replays everything published before start in order, reports caught up, then follows live', async () => {
    const seen: { jti: string; seq: number }[] = [];
    const { consumer, publisher, stream } = await setup((e, meta) => {
      if (e.subject === EVENT_SUBJECTS.revokedToken) seen.push({ jti: e.payload.jti, seq: meta.seq });
    });
    for (let i = 1; i <= 5; i++) await publisher.publish(EVENT_SUBJECTS.revokedToken, revoke(`j${i}`), `m${i}`);
    await consumer.start();
    expect(await consumer.waitForCatchUp(5000)).toBe(true);
    expect(seen).toEqual([1, 2, 3, 4, 5].map((i) => ({ jti: `j${i}`, seq: i })));
    expect(consumer.lastSeq).toBe(5);

    await publisher.publish(EVENT_SUBJECTS.revokedToken, revoke('live'), 'm6', { announce: false }); // the stream path alone
    await waitFor(() => consumer.lastSeq === 6);
    expect(seen[5]).toEqual({ jti: 'live', seq: 6 });

    await consumer.stop();
    expect(await jsm.consumers.list(stream).next()).toHaveLength(0); // stop() removed its consumer
  });

  it('skips and counts garbage JSON, schema mismatches and unknown subjects', async () => {
    const events: GatehouseEvent[] = [];
    const { consumer, publisher, prefix, logger } = await setup((e) => events.push(e));
    const js = nc.jetstream();
    await js.publish(`${prefix}.revoked.token`, new TextEncoder().encode('{not json'));
    await js.publish(`${prefix}.revoked.session`, new TextEncoder().encode('{"v":2,"sid":"s"}'));
    await js.publish(`${prefix}.unknown.thing`, new TextEncoder().encode('{"v":1}'));
    await publisher.publish(EVENT_SUBJECTS.revokedSubject, { v: 1, sub: 'u1', notBefore: 1 }, 'ok');
    await consumer.start();
    expect(await consumer.waitForCatchUp(5000)).toBe(true);
    expect(events).toEqual([{ subject: EVENT_SUBJECTS.revokedSubject, payload: { v: 1, sub: 'u1', notBefore: 1 } }]);
    expect(consumer.stats).toMatchObject({ delivered: 4, invalid: 3, handlerErrors: 0 });
    expect(logger.entries.filter((e) => e.msg === 'skipped invalid event')).toHaveLength(3);
  });

  it('counts a sequence gap and still catches up when the last message at start was deleted', async () => {
    const jtis: string[] = [];
    const { consumer, publisher, stream, logger } = await setup((e) => {
      if (e.subject === EVENT_SUBJECTS.revokedToken) jtis.push(e.payload.jti);
    });
    for (let i = 1; i <= 4; i++) await publisher.publish(EVENT_SUBJECTS.revokedToken, revoke(`g${i}`), `g${i}`);
    await jsm.streams.deleteMessage(stream, 2);
    await jsm.streams.deleteMessage(stream, 4); // the stream's last_seq stays 4 but seq 4 never arrives
    await consumer.start();
    expect(await consumer.waitForCatchUp(5000)).toBe(true);
    expect(jtis).toEqual(['g1', 'g3']);
    expect(consumer.stats.gaps).toBe(1);
    expect(logger.entries.some((e) => e.msg === 'event stream sequence gap')).toBe(true);
  });

  it('a probe answered while newer events arrive is no reset: no replay, no loss, every event applied once', async () => {
    // The probe asks JetStream for the stream's last sequence; events published meanwhile reach
    // the consumer before the answer does. Compared with what had been delivered when the answer
    // came back, the stream looked behind the consumer: a false reset, a replay from the start and,
    // for a verifier, its user tokens refused (503) until a checkpoint came round again.
    const jtis: string[] = [];
    const { consumer, publisher, logger } = await setup((e) => {
      if (e.subject === EVENT_SUBJECTS.revokedToken) jtis.push(e.payload.jti);
    }, 2);
    await consumer.start();
    const total = 1500;
    for (let i = 0; i < total; i++) await publisher.publish(EVENT_SUBJECTS.revokedToken, revoke(`r${i}`), `r${i}`, { announce: false });
    await waitFor(() => consumer.lastSeq === total, 10_000);
    expect(consumer.stats.losses).toBe(0);
    expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);
    expect(jtis).toHaveLength(total);
    expect(new Set(jtis).size).toBe(total);
  });

  it('keeps delivering after the handler throws', async () => {
    const jtis: string[] = [];
    const { consumer, publisher, logger } = await setup((e) => {
      if (e.subject !== EVENT_SUBJECTS.revokedToken) return;
      if (e.payload.jti === 'boom') throw new Error('handler bug');
      jtis.push(e.payload.jti);
    });
    await consumer.start();
    await publisher.publish(EVENT_SUBJECTS.revokedToken, revoke('boom'), 'b1');
    await publisher.publish(EVENT_SUBJECTS.revokedToken, revoke('after'), 'b2');
    await waitFor(() => jtis.length === 1);
    expect(jtis).toEqual(['after']);
    expect(consumer.stats.handlerErrors).toBe(1);
    expect(logger.entries.some((e) => e.level === 'error' && e.msg === 'event handler threw')).toBe(true);
  });
});
