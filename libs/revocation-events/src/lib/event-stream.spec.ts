import { nanos, StorageType, type JetStreamManager, type NatsConnection } from 'nats';
import { TEST_NATS_URL, uniqueStream } from '../test/nats-test-env';
import { connectNats } from './connect-nats';
import { ensureEventStream } from './event-stream';

describe('ensureEventStream (real NATS)', () => {
  const { stream, prefix } = uniqueStream();
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    nc = await connectNats(TEST_NATS_URL, 'revocation-events-stream-spec');
    jsm = await nc.jetstreamManager();
  });

  afterAll(async () => {
    await jsm.streams.delete(stream).catch(() => false);
    await nc.drain();
  });

  it('creates the stream with file storage, 2 h max_age and a 2 min duplicate window', async () => {
    await ensureEventStream(jsm, { name: stream, subjectPrefix: prefix });
    const { config } = await jsm.streams.info(stream);
    expect(config.subjects).toEqual([`${prefix}.>`]);
    expect(config.storage).toBe(StorageType.File);
    expect(config.max_age).toBe(nanos(7200 * 1000));
    expect(config.duplicate_window).toBe(nanos(120 * 1000));
    expect(config.num_replicas).toBe(1);
  });

  it('is idempotent and updates an existing stream whose max_age differs', async () => {
    await ensureEventStream(jsm, { name: stream, subjectPrefix: prefix });
    await ensureEventStream(jsm, { name: stream, subjectPrefix: prefix, maxAgeSeconds: 3 * 3600 });
    expect((await jsm.streams.info(stream)).config.max_age).toBe(nanos(3 * 3600 * 1000));
    const info = await ensureEventStream(jsm, { name: stream, subjectPrefix: prefix });
    expect(info.config.max_age).toBe(nanos(7200 * 1000));
  });

  it('rejects a max_age shorter than the token TTL plus margin, and a custom name without a prefix', async () => {
    const tooShort = ensureEventStream(jsm, { name: stream, subjectPrefix: prefix, maxAgeSeconds: 3600 });
    await expect(tooShort).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    await expect(ensureEventStream(jsm, { name: stream })).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
  });
});
