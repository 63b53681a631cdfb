import { EVENTS_STREAM, STREAM_CHECKPOINT_SCHEMA, STREAM_CHECKPOINT_SUBJECT, ServiceUnavailableError } from '@gatehouse/contracts';
import { JSONCodec, type NatsConnection } from 'nats';
import { assertPrefix, CONTRACT_PREFIX, toWireSubject } from './subject-prefix';

const codec = JSONCodec<unknown>();

/** Where a checkpoint goes. */
export interface CheckpointTarget {
  /** Stream name; default `GATEHOUSE_EVENTS`. */
  stream?: string;
  /** Subject prefix; default `gatehouse`. */
  prefix?: string;
}

/**
 * Writes a stream checkpoint: "every event that still matters is at sequence ≥ `fromSeq`". Only
 * the publisher of the events can know that; verifiers that require checkpoints trust their
 * replay only once one verifies against what they read (docs/adr/0003-nats-accounts-and-permissions.md).
 *
 * @param nc - a connection allowed to publish under the prefix (auth-service's)
 * @param checkpoint - `fromSeq` (≥ 1) and `lastSeq`, the highest sequence the publisher recorded
 * @param target - stream and prefix
 * @returns the checkpoint's own stream sequence
 * @throws REQUEST_INVALID for an invalid prefix or checkpoint
 * @throws SERVICE_UNAVAILABLE when JetStream does not acknowledge it
 * @example
 * await publishStreamCheckpoint(nc, { fromSeq: 120, lastSeq: 180 });
 */
export async function publishStreamCheckpoint(nc: NatsConnection, checkpoint: { fromSeq: number; lastSeq: number }, target: CheckpointTarget = {}): Promise<number> {
  const subject = toWireSubject(assertPrefix(target.prefix ?? CONTRACT_PREFIX), STREAM_CHECKPOINT_SUBJECT);
  const payload = STREAM_CHECKPOINT_SCHEMA.parse({ v: 1, ...checkpoint, at: Math.floor(Date.now() / 1000) });
  try {
    const ack = await nc.jetstream().publish(subject, codec.encode(payload), { expect: { streamName: target.stream ?? EVENTS_STREAM } });
    return ack.seq;
  } catch (err) {
    throw new ServiceUnavailableError('The event stream did not acknowledge the checkpoint.', { cause: err });
  }
}

/**
 * Writes a checkpoint that needs nothing before it (`fromSeq` = the stream's next sequence): for a
 * publisher that owns a brand-new stream, such as a test or a benchmark without auth-service.
 *
 * @returns the checkpoint's stream sequence
 * @throws SERVICE_UNAVAILABLE when the stream cannot be read or written
 */
export async function publishGenesisCheckpoint(nc: NatsConnection, target: CheckpointTarget = {}): Promise<number> {
  const jsm = await nc.jetstreamManager();
  const { state } = await jsm.streams.info(target.stream ?? EVENTS_STREAM);
  return publishStreamCheckpoint(nc, { fromSeq: state.last_seq + 1, lastSeq: state.last_seq }, target);
}
