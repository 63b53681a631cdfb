import { EVENT_SUBJECTS, type GatehouseEvent } from '@gatehouse/contracts';
import { headers, type JetStreamManager, type NatsConnection } from 'nats';
import { recordingLogger, TEST_NATS_URL, uniqueStream, waitFor } from '../test/nats-test-env';
import { connectNats } from './connect-nats';
import { EventConsumer } from './event-consumer';
import type { EventMeta } from './event-consumer.types';
import { EventPublisher } from './event-publisher';
import { ensureEventStream } from './event-stream';

describe('fast path (real NATS)', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const streams: string[] = [];
  const consumers: EventConsumer[] = [];

  beforeAll(async () => {
    nc = await connectNats(TEST_NATS_URL, 'revocation-events-fast-path-spec');
    jsm = await nc.jetstreamManager();
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await Promise.all(streams.map((s) => jsm.streams.delete(s).catch(() => false)));
    await nc.drain();
  });

  async function setup(fastPath = true) {
    const { stream, prefix } = uniqueStream();
    streams.push(stream);
    await ensureEventStream(jsm, { name: stream, subjectPrefix: prefix });
    const seen: { event: GatehouseEvent; meta: EventMeta }[] = [];
    const consumer = new EventConsumer(nc, (event, meta) => seen.push({ event, meta }), { stream, prefix, logger: recordingLogger(), probeIntervalMs: 200, fastPath });
    consumers.push(consumer);
    await consumer.start();
    expect(await consumer.waitForCatchUp(5000)).toBe(true);
    return { stream, prefix, seen, consumer, publisher: new EventPublisher(nc, { prefix }) };
  }

  const revoke = (jti: string) => ({ v: 1, jti, exp: 1_900_000_000 }) as const;
  const jtis = (seen: { event: GatehouseEvent }[]) => seen.map(({ event }) => (event.subject === EVENT_SUBJECTS.revokedToken ? event.payload.jti : event.subject));

  it('applies an announced event with no stream involved, and keeps it out of the stream', async () => {
    const { seen, consumer, publisher, stream } = await setup();
    publisher.announce(EVENT_SUBJECTS.revokedToken, revoke('fast-only'), 'f1', { requestId: 'req-1' });
    await waitFor(() => seen.length === 1);
    expect(jtis(seen)).toEqual(['fast-only']);
    expect(seen[0]!.meta).toMatchObject({ seq: 0, id: 'f1', via: 'fast' });
    expect(consumer.stats).toMatchObject({ fast: 1, delivered: 0 });
    expect((await jsm.streams.info(stream)).state.messages).toBe(0);
  });

  it('applies an event that arrives on both paths once, and still advances the stream sequence', async () => {
    const { seen, consumer, publisher } = await setup();
    const ack = await publisher.publish(EVENT_SUBJECTS.revokedToken, revoke('both'), 'b1');
    await waitFor(() => consumer.lastSeq === ack.seq);
    expect(jtis(seen)).toEqual(['both']);
    expect(seen[0]!.meta.via).toBe('fast');
    expect(consumer.stats).toMatchObject({ fast: 1, delivered: 1, duplicates: 1 });
  });

  it('does not let a forged fast-path copy with a real event id suppress that event', async () => {
    const { seen, consumer, publisher, prefix } = await setup();
    const h = headers();
    h.set('Nats-Msg-Id', 'real-1');
    nc.publish(`_gh_fast.${prefix}.revoked.token`, new TextEncoder().encode(JSON.stringify(revoke('decoy'))), { headers: h });
    await waitFor(() => seen.length === 1);
    const ack = await publisher.publish(EVENT_SUBJECTS.revokedToken, revoke('real'), 'real-1', { announce: false });
    await waitFor(() => consumer.lastSeq === ack.seq);
    expect(jtis(seen)).toEqual(['decoy', 'real']);
    expect(consumer.stats.duplicates).toBe(0);
  });

  it('skips invalid fast-path messages and ignores the fast path when it is off', async () => {
    const on = await setup();
    nc.publish(`_gh_fast.${on.prefix}.revoked.token`, new TextEncoder().encode('{not json'));
    nc.publish(`_gh_fast.${on.prefix}.revoked.session`, new TextEncoder().encode('{"v":2}'));
    await waitFor(() => on.consumer.stats.invalid === 2);
    expect(on.seen).toHaveLength(0);

    const off = await setup(false);
    off.publisher.announce(EVENT_SUBJECTS.revokedToken, revoke('ignored'), 'i1');
    const ack = await off.publisher.publish(EVENT_SUBJECTS.revokedToken, revoke('durable'), 'd1', { announce: false });
    await waitFor(() => off.consumer.lastSeq === ack.seq);
    expect(jtis(off.seen)).toEqual(['durable']);
    expect(off.consumer.stats.fast).toBe(0);
  });

  it('refuses the fast-path token as a subject prefix (the stream would capture the fast copies)', () => {
    expect(() => new EventPublisher(nc, { prefix: '_gh_fast' })).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID' }));
  });
});
