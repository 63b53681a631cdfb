import { EventPublisher, ensureEventStream, publishGenesisCheckpoint } from '@gatehouse/revocation-events';
import { connect, type NatsConnection } from 'nats';
import { randomBytes } from 'node:crypto';

/** A throw-away event stream on the machine's NATS, with a publisher, for one test file. */
export interface StreamFixture {
  stream: string;
  prefix: string;
  nc: NatsConnection;
  publisher: EventPublisher;
  /** Deletes the stream and closes the connection. */
  dispose(): Promise<void>;
}

/** Creates stream `T_<label>_<random>` with subject prefix `<letter><random>`. */
export async function startStreamFixture(label: string): Promise<StreamFixture> {
  const suffix = randomBytes(4).toString('hex');
  const stream = `T_${label}_${suffix}`;
  const prefix = `t${suffix}`;
  const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
  await ensureEventStream(await nc.jetstreamManager(), { name: stream, subjectPrefix: prefix });
  // This fixture is the stream's only publisher, so it vouches for it as auth-service would.
  await publishGenesisCheckpoint(nc, { stream, prefix });
  return {
    stream,
    prefix,
    nc,
    publisher: new EventPublisher(nc, { prefix }),
    dispose: async () => {
      await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
      await nc.close();
    },
  };
}
