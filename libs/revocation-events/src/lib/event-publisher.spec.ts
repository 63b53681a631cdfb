import { EVENT_SUBJECTS, type EventPayload } from '@gatehouse/contracts';
import type { JetStreamManager, NatsConnection } from 'nats';
import { TEST_NATS_URL, uniqueStream } from '../test/nats-test-env';
import { connectNats } from './connect-nats';
import { EventPublisher } from './event-publisher';
import { ensureEventStream } from './event-stream';

describe('EventPublisher (real NATS)', () => {
  const { stream, prefix } = uniqueStream();
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let publisher: EventPublisher;

  beforeAll(async () => {
    nc = await connectNats(TEST_NATS_URL, 'revocation-events-publisher-spec');
    jsm = await nc.jetstreamManager();
    await ensureEventStream(jsm, { name: stream, subjectPrefix: prefix });
    publisher = new EventPublisher(nc, { prefix });
  });

  afterAll(async () => {
    await jsm.streams.delete(stream).catch(() => false);
    await nc.drain();
  });

  it('stores one message when the same msgId is published twice, with the request id header', async () => {
    const payload = { v: 1, jti: 'jti-1', exp: 1_900_000_000 } as const;
    const first = await publisher.publish(EVENT_SUBJECTS.revokedToken, payload, 'outbox-1', { requestId: 'req-1' });
    const retry = await publisher.publish(EVENT_SUBJECTS.revokedToken, payload, 'outbox-1');
    expect(first).toEqual({ seq: 1, duplicate: false });
    expect(retry).toEqual({ seq: 1, duplicate: true });
    expect((await jsm.streams.info(stream)).state.messages).toBe(1);
    const stored = await jsm.streams.getMessage(stream, { seq: 1 });
    expect(stored.subject).toBe(`${prefix}.revoked.token`);
    expect(stored.header.get('x-request-id')).toBe('req-1');
    expect(stored.json()).toEqual(payload);
  });

  it('rejects an invalid payload with REQUEST_INVALID and stores nothing', async () => {
    const before = (await jsm.streams.info(stream)).state.messages;
    const bad = { v: 1, jti: '', exp: -1 } as unknown as EventPayload<typeof EVENT_SUBJECTS.revokedToken>;
    await expect(publisher.publish(EVENT_SUBJECTS.revokedToken, bad, 'outbox-2')).rejects.toMatchObject({
      code: 'REQUEST_INVALID',
      message: expect.stringContaining('gatehouse.revoked.token'),
    });
    await expect(publisher.publish(EVENT_SUBJECTS.keysRotated, { v: 1, kids: ['k1'] }, '')).rejects.toMatchObject({
      code: 'REQUEST_INVALID',
    });
    expect((await jsm.streams.info(stream)).state.messages).toBe(before);
  });
});
