import { EVENT_SUBJECTS } from '@gatehouse/contracts';
import { ensureEventStream, EventPublisher } from '@gatehouse/revocation-events';
import { createLogger } from '@gatehouse/service-runtime';
import { connect, type NatsConnection } from 'nats';
import { Client } from 'pg';
import { StreamGuard, type StreamCheck } from '../app/events/stream-guard';
import { testStream, type TestStream } from './stream-helpers';
import { startAuthService, type TestAuthService } from './test-auth-app';

/**
 * StreamGuard on the real stream and outbox, while the relay's acknowledgements keep arriving:
 * the chaos suite saw auth-service re-publish the whole live set (every event twice in the
 * stream) after a check that found "the stream is behind what was published" on a healthy stream.
 */
describe('StreamGuard', () => {
  let ts: TestStream;
  let svc: TestAuthService;
  let nc: NatsConnection;
  let db: Client;

  beforeAll(async () => {
    ts = await testStream('guard');
    // Only for its migrated, empty database: the relay is off, this spec is the publisher.
    svc = await startAuthService('stream_guard');
    nc = await connect({ servers: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222' });
    await ensureEventStream(await nc.jetstreamManager(), { name: ts.stream, subjectPrefix: ts.prefix });
    db = new Client({ connectionString: svc.db.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await nc.close();
    await svc.dispose();
    await ts.close();
  });

  const guardOf = () => new StreamGuard(nc, { name: ts.stream, subjectPrefix: ts.prefix }, createLogger('stream-guard-spec', 'silent'));
  const publisher = () => new EventPublisher(nc, { prefix: ts.prefix });
  const publish = async (p: EventPublisher, id: string) => (await p.publish(EVENT_SUBJECTS.revokedToken, { v: 1, jti: `g${id}`, exp: 1_900_000_000 }, id, { announce: false })).seq;

  it('an acknowledgement that arrives while a check is out does not make the stream look behind; a stream really behind still does', async () => {
    await (await nc.jetstreamManager()).streams.purge(ts.stream);
    const guard = guardOf();
    const p = publisher();
    let last = 0;
    for (let i = 0; i < 5; i++) guard.recorded(`a${i}`, (last = await publish(p, `a${i}`)));
    const asked = guard.check(db);
    // Recorded after the question went out, before its answer: the answer does not count it.
    guard.recorded('late', last + 1);
    expect(await asked).toEqual({ intact: true, fromSeq: null, lastSeq: last });
    // Asked now, the stream is behind what was acknowledged: a reset, as before.
    expect(await guard.check(db)).toEqual({ intact: false, reason: 'the stream is behind what was published (re-created or reset)' });
    expect(await publish(p, 'late')).toBe(last + 1);
    expect(await guard.check(db)).toEqual({ intact: true, fromSeq: null, lastSeq: last + 1 });
  });

  it('a check answered while newer events are acknowledged finds the stream intact (no false restore)', async () => {
    await (await nc.jetstreamManager()).streams.purge(ts.stream);
    const guard = guardOf();
    const p = publisher();
    const total = 3000;
    let next = 0;
    let highest = 0;
    let done = false;
    // Eight publishes in flight, each acknowledgement recorded as the relay does.
    const publishing = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < total) {
          const id = String(++next);
          const seq = await publish(p, id);
          highest = Math.max(highest, seq);
          guard.recorded(id, seq);
        }
      }),
    ).finally(() => (done = true));
    const checks: StreamCheck[] = [];
    while (!done) checks.push(await guard.check(db));
    await publishing;
    checks.push(await guard.check(db));
    expect(checks.length).toBeGreaterThan(10);
    expect(checks.filter((c) => !c.intact)).toEqual([]);
    expect(checks.at(-1)).toEqual({ intact: true, fromSeq: null, lastSeq: highest });
  });
});
