import type { StreamCheckpoint } from '@gatehouse/contracts';

/**
 * How long after a checkpoint was written the stream's first sequence is still expected to be ≤ its
 * `fromSeq` (that event is younger than the live window, 61 min; the stream keeps events ≥ 65 min).
 */
const CHECKPOINT_HOLDS_MS = 120_000;

/** What a look at the stream's state found. */
export type StreamObservation = 'intact' | 'lost' | 'reset';

/**
 * Decides whether what a consumer replayed can be trusted to hold every event it needs: only once
 * a checkpoint from auth-service (read from the stream itself) says "everything that matters is at
 * sequence ≥ fromSeq", and the consumer delivered every sequence from at or before `fromSeq` up to
 * that checkpoint without a hole. A purge, a re-created or reset stream, or deleted messages leave
 * a hole or a start after `fromSeq`, so the consumer is untrusted until auth-service has restored
 * the events and written a checkpoint that covers them (docs/adr/0003-nats-accounts-and-permissions.md).
 */
export class StreamTrust {
  private runStart = 0;
  private last = 0;
  private ok: boolean;
  private checkpoint: { fromSeq: number; seq: number; writtenAt: number } | null = null;

  /** @param required - false: always trusted (a consumer that does not guard revocations) */
  constructor(private readonly required: boolean) {
    this.ok = !required;
  }

  /** True when the replayed state is known to be complete. */
  get trusted(): boolean {
    return this.ok;
  }

  /** Sequence of the last checkpoint that verified, or 0. */
  get checkpointSeq(): number {
    return this.checkpoint?.seq ?? 0;
  }

  /**
   * Notes a stream message delivered in order; a hole after the first message means events are
   * missing. Returns true when it opened a hole.
   */
  see(seq: number): boolean {
    const hole = this.last > 0 && seq > this.last + 1;
    if (this.last === 0 || hole) this.runStart = seq;
    this.last = seq;
    if (hole && this.required) this.ok = false;
    return hole;
  }

  /** Checks a checkpoint delivered at `seq` (after {@link StreamTrust.see}); returns whether it verified. */
  verify(seq: number, cp: StreamCheckpoint): boolean {
    const holds = cp.fromSeq <= seq && this.runStart > 0 && this.runStart <= cp.fromSeq;
    if (holds) {
      this.ok = true;
      this.checkpoint = { fromSeq: cp.fromSeq, seq, writtenAt: cp.at * 1000 };
    } else if (this.required) {
      this.ok = false;
    }
    return holds;
  }

  /**
   * Compares the stream's state with what was delivered: `reset` when the stream is behind the
   * consumer or was re-created (start over), `lost` when events a recent checkpoint still needed
   * have gone (a purge), else `intact`.
   *
   * @param deliveredBefore - the last sequence delivered when `state` was asked for. Not the last
   *   one delivered now: events published while the question was out reach the consumer before the
   *   answer does, and against those the stream looks behind the consumer when it is not.
   */
  observe(state: { first_seq: number; last_seq: number }, recreated: boolean, deliveredBefore: number): StreamObservation {
    if (recreated || state.last_seq < deliveredBefore) return 'reset';
    const cp = this.checkpoint;
    if (cp && state.first_seq > cp.fromSeq && Date.now() - cp.writtenAt < CHECKPOINT_HOLDS_MS) return 'lost';
    return 'intact';
  }

  /** Marks the state untrusted until the next checkpoint verifies. */
  distrust(): void {
    if (this.required) this.ok = false;
    this.checkpoint = null;
  }

  /** Forgets every sequence (the consumer starts over from the stream's beginning). */
  restart(): void {
    this.runStart = 0;
    this.last = 0;
    this.distrust();
  }
}
