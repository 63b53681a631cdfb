import { MAX_ACCESS_TOKEN_TTL_SECONDS, parseEvent } from '@gatehouse/contracts';
import type { EventPublisher } from '@gatehouse/revocation-events';

/** What a restore needs from Postgres: a `pg` Client fits. */
export interface OutboxDb {
  query<R extends object>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** What a restore did. */
export interface RestoreReport {
  /** Events published again. */
  republished: number;
  /** Outbox rows skipped as invalid. */
  skipped: number;
}

const PAGE = 500;

/** One page of the live set: sent rows of the window after id $1 ($2: the window in seconds, $3: page size). */
export const RESTORE_PAGE_SQL = `SELECT id, subject, payload FROM outbox WHERE id > $1 AND sent_at IS NOT NULL AND created_at > now() - make_interval(secs => $2) ORDER BY id LIMIT $3`;

/**
 * Seconds back from now in which an event may still revoke an unexpired token: the longest
 * access-token lifetime plus a minute of clock skew. Events older than this protect nothing.
 */
export const LIVE_WINDOW_SECONDS = MAX_ACCESS_TOKEN_TTL_SECONDS + 60;

/**
 * Re-publishes, in id order, every outbox row of the last `LIVE_WINDOW_SECONDS` that was sent —
 * the live revocation set: every session, subject, client and token revocation (and key
 * rotation) whose tokens may still be unexpired — and records each one's new stream sequence.
 * The copies carry `Nats-Msg-Id` = `<outbox id>:r<stamp>`, so JetStream's duplicate window never
 * drops them; verifiers apply them idempotently. Outbox retention (`RETENTION_OUTBOX` ≥ 2 h)
 * always covers the window.
 *
 * @param db - Postgres
 * @param publisher - a publisher on a connection allowed to publish under the prefix
 * @param recorded - told each row's new stream sequence
 * @throws when a publish or a query fails (a restore may be run again at any time)
 */
export async function restoreEvents(db: OutboxDb, publisher: EventPublisher, recorded: (id: string, seq: number) => void = () => undefined): Promise<RestoreReport> {
  const stamp = Date.now().toString(36);
  const report: RestoreReport = { republished: 0, skipped: 0 };
  let after = '0';
  for (;;) {
    const page = await db.query<{ id: string; subject: string; payload: unknown }>(RESTORE_PAGE_SQL, [after, LIVE_WINDOW_SECONDS, PAGE]);
    if (page.rows.length === 0) return report;
    const seqs = await Promise.all(
      page.rows.map(async (row) => {
        const event = parseEvent(row.subject, row.payload);
        if (!event) return null;
        const ack = await publisher.publish(event.subject, event.payload, `${row.id}:r${stamp}`, { announce: false });
        return ack.seq;
      }),
    );
    const ids = page.rows.map((r) => r.id);
    await db.query(`UPDATE outbox SET stream_seq = v.seq FROM unnest($1::bigint[], $2::bigint[]) AS v(id, seq) WHERE outbox.id = v.id`, [ids, seqs]);
    page.rows.forEach((row, i) => {
      const seq = seqs[i];
      if (seq === null || seq === undefined) report.skipped++;
      else {
        report.republished++;
        recorded(row.id, seq);
      }
    });
    after = page.rows[page.rows.length - 1]?.id ?? after;
  }
}
