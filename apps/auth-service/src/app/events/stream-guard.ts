import { parseStreamCheckpoint, STREAM_CHECKPOINT_SUBJECT } from '@gatehouse/contracts';
import { ensureEventStream, publishStreamCheckpoint, type EventPublisher, type EventStreamOptions } from '@gatehouse/revocation-events';
import type { NatsConnection, StreamInfo } from 'nats';
import type { Logger } from 'pino';
import { LIVE_WINDOW_SECONDS, restoreEvents, type OutboxDb } from './restore-events';

/** The oldest outbox row of the live window that has a stream sequence ($1: the window in seconds). */
export const OLDEST_LIVE_ROW_SQL = `SELECT id, stream_seq FROM outbox WHERE created_at > now() - make_interval(secs => $1) AND stream_seq IS NOT NULL ORDER BY created_at, id LIMIT 1`;

/**
 * What {@link StreamGuard.check} found: intact, with the lowest sequence that still matters
 * (`null`: no event does) and the stream's last sequence; or not, and why.
 */
export type StreamCheck = { intact: true; fromSeq: number | null; lastSeq: number } | { intact: false; reason: string };

/**
 * Keeps the event stream trustworthy for verifiers. Every round it compares the stream with the
 * outbox (which records the stream sequence of every published row): if the stream lost events
 * it still needs — purged, deleted and re-created, reset, messages deleted — it re-publishes the
 * live set from Postgres; otherwise it writes a checkpoint ("everything that matters is at
 * sequence ≥ fromSeq") that verifiers check against what they replayed before they trust it —
 * unless the stream already ends with a checkpoint that says the same, so a quiet stream does
 * not fill up with checkpoints.
 */
export class StreamGuard {
  private last: { id: string; seq: number } | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly stream: EventStreamOptions & { name: string; subjectPrefix: string },
    private readonly log: Logger,
    /** Told each time a round finds the stream not intact, before it re-publishes. */
    private readonly onLost: () => void = () => undefined,
  ) {}

  /** Notes the stream sequence JetStream acknowledged for an outbox row. */
  recorded(id: string, seq: number): void {
    if (!this.last || seq > this.last.seq) this.last = { id, seq };
  }

  /**
   * One round: a checkpoint when the stream is intact, a restore (and no checkpoint until the
   * next round has checked again) when it is not.
   *
   * @returns what it did
   * @throws when NATS or Postgres fail (the caller retries next round)
   */
  async round(db: OutboxDb, publisher: EventPublisher): Promise<'checkpoint' | 'unchanged' | 'restored'> {
    const check = await this.check(db);
    if (!check.intact) {
      this.log.error({ stream: this.stream.name, reason: check.reason }, 'event stream lost events; re-publishing the live revocation set from the outbox');
      this.onLost();
      this.last = null;
      const report = await restoreEvents(db, publisher, (id, seq) => this.recorded(id, seq));
      this.log.warn({ stream: this.stream.name, ...report }, 'event stream restored');
      return 'restored';
    }
    const tail = await this.lastCheckpoint();
    if (tail && tail.seq === check.lastSeq && (check.fromSeq === null || tail.fromSeq === check.fromSeq)) return 'unchanged';
    const fromSeq = check.fromSeq ?? check.lastSeq + 1;
    await publishStreamCheckpoint(this.nc, { fromSeq, lastSeq: this.last?.seq ?? check.lastSeq }, { stream: this.stream.name, prefix: this.stream.subjectPrefix });
    return 'checkpoint';
  }

  /** The newest checkpoint in the stream, or null. */
  private async lastCheckpoint(): Promise<{ seq: number; fromSeq: number } | null> {
    const jsm = await this.nc.jetstreamManager();
    const subject = this.stream.subjectPrefix + STREAM_CHECKPOINT_SUBJECT.slice('gatehouse'.length);
    const msg = await jsm.streams.getMessage(this.stream.name, { last_by_subj: subject }).catch(() => null);
    if (!msg) return null;
    let cp: ReturnType<typeof parseStreamCheckpoint> = null;
    try {
      cp = parseStreamCheckpoint(msg.json());
    } catch {
      cp = null;
    }
    return cp ? { seq: msg.seq, fromSeq: cp.fromSeq } : null;
  }

  /**
   * Whether the stream still holds every event of the last {@link LIVE_WINDOW_SECONDS}: the
   * oldest such outbox row's message is still at the sequence recorded for it, nothing at or after
   * it was deleted, and the stream is not behind what this process had published when it asked.
   * A missing stream is created again (and reported as not intact).
   */
  async check(db: OutboxDb): Promise<StreamCheck> {
    // What had been acknowledged before the question went out: acks that arrive while it is out
    // are for messages the answer may not count, and against those the stream would look behind.
    const publishedBefore = this.last?.seq ?? 0;
    const jsm = await this.nc.jetstreamManager();
    let info: StreamInfo;
    try {
      info = await jsm.streams.info(this.stream.name, { deleted_details: true });
    } catch (err) {
      if (!/stream not found/i.test(err instanceof Error ? err.message : '')) throw err;
      await ensureEventStream(jsm, this.stream);
      return { intact: false, reason: 'the stream was missing (deleted); created again' };
    }
    const { state } = info;
    if (state.last_seq < publishedBefore) return { intact: false, reason: 'the stream is behind what was published (re-created or reset)' };
    const oldest = await db.query<{ id: string; stream_seq: string }>(OLDEST_LIVE_ROW_SQL, [LIVE_WINDOW_SECONDS]);
    const row = oldest.rows[0];
    if (!row) return { intact: true, fromSeq: null, lastSeq: state.last_seq };
    const fromSeq = Number(row.stream_seq);
    if (state.first_seq > fromSeq) return { intact: false, reason: 'events still needed were purged' };
    if ((state.deleted ?? []).some((seq) => seq >= fromSeq)) return { intact: false, reason: 'events still needed were deleted' };
    const msg = await jsm.streams.getMessage(this.stream.name, { seq: fromSeq }).catch(() => null);
    if (!msg || outboxIdOf(msg.header.get('Nats-Msg-Id')) !== row.id) return { intact: false, reason: 'the stream no longer holds the recorded events (re-created)' };
    return { intact: true, fromSeq, lastSeq: state.last_seq };
  }
}

/** The outbox id in a `Nats-Msg-Id` (a restored copy carries `<id>:r<stamp>`). */
function outboxIdOf(msgId: string): string {
  return msgId.split(':')[0] ?? '';
}
