import { z } from 'zod';

/**
 * Subject of the checkpoints auth-service writes into the event stream (never on the fast path).
 * A checkpoint is not a revocation: consumers use it to decide whether the stream they replayed
 * still holds every event they need (docs/adr/0003-nats-accounts-and-permissions.md).
 */
export const STREAM_CHECKPOINT_SUBJECT = 'gatehouse.stream.checkpoint';

const seq = z.number().int().nonnegative();

/**
 * `fromSeq`: every event whose tokens may still be unexpired is at a stream sequence ≥ `fromSeq`
 * (when none is, `fromSeq` is the sequence after `lastSeq`); `lastSeq`: the highest sequence
 * auth-service has recorded for an event; `at`: when it was written (seconds since the epoch).
 */
export const STREAM_CHECKPOINT_SCHEMA = z.object({ v: z.literal(1), fromSeq: seq.min(1), lastSeq: seq, at: seq }).strict();

/** A checkpoint's payload. */
export type StreamCheckpoint = z.infer<typeof STREAM_CHECKPOINT_SCHEMA>;

/**
 * Validates a checkpoint read from the wire.
 *
 * @returns the checkpoint, or `null` when `data` is not one
 * @example parseStreamCheckpoint({ v: 1, fromSeq: 1, lastSeq: 0, at: 1764400000 })
 */
export function parseStreamCheckpoint(data: unknown): StreamCheckpoint | null {
  const parsed = STREAM_CHECKPOINT_SCHEMA.safeParse(data);
  return parsed.success ? parsed.data : null;
}
