import { connect, type NatsConnection } from 'nats';
import { randomBytes } from 'node:crypto';

/** A private JetStream stream name and subject prefix for one test file, removed by `close`. */
export interface TestStream {
  stream: string;
  prefix: string;
  env: Record<string, string>;
  /** Every event currently in the stream, in order (the relay's checkpoints left out). */
  messages(): Promise<{ subject: string; msgId: string | undefined; data: Record<string, unknown> }[]>;
  close(): Promise<void>;
}

/** Opens a NATS connection and names a fresh stream; auth-service creates it via `env`. */
export async function testStream(label: string): Promise<TestStream> {
  const suffix = randomBytes(4).toString('hex');
  const stream = `T_${label.toUpperCase()}_${suffix}`;
  const prefix = `t${suffix}`;
  const nc: NatsConnection = await connect({ servers: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222' });
  return {
    stream,
    prefix,
    env: { OUTBOX_RELAY: 'true', EVENTS_STREAM: stream, EVENTS_SUBJECT_PREFIX: prefix },
    async messages() {
      const jsm = await nc.jetstreamManager();
      const info = await jsm.streams.info(stream);
      const out = [];
      for (let seq = info.state.first_seq; info.state.messages > 0 && seq <= info.state.last_seq; seq++) {
        const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
        if (!m || m.subject === `${prefix}.stream.checkpoint`) continue;
        out.push({ subject: m.subject, msgId: m.header?.get('Nats-Msg-Id'), data: m.json<Record<string, unknown>>() });
      }
      return out;
    },
    async close() {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(stream).catch(() => undefined);
      await nc.close();
    },
  };
}

/** Polls `fn` until `ok` holds or `ms` pass. */
export async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  for (;;) {
    try {
      last = await fn();
      if (ok(last)) return last;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms (last: ${JSON.stringify(last)?.slice(0, 300)})`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
