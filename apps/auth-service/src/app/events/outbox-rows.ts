import type { Client } from 'pg';

/** An outbox row as the relay publishes it. */
export interface OutboxRow {
  id: string;
  subject: string;
  payload: unknown;
}

/** A published row and the stream sequence JetStream gave it (null: skipped as invalid). */
export interface Published {
  id: string;
  seq: number | null;
}

/** Marks rows sent, with the stream sequence each got. */
export async function markSent(db: Client, rows: Published[]): Promise<void> {
  await db.query('UPDATE outbox SET sent_at = now(), stream_seq = v.seq FROM unnest($1::bigint[], $2::bigint[]) AS v(id, seq) WHERE outbox.id = v.id', [
    rows.map((r) => r.id),
    rows.map((r) => r.seq),
  ]);
}

/** The row a notification carries, or null for an id-only (oversized) or unreadable one. */
export function notifiedRow(payload: string): OutboxRow | null {
  try {
    const parsed = JSON.parse(payload) as Partial<OutboxRow> | null;
    if (parsed && typeof parsed.id === 'string' && typeof parsed.subject === 'string' && 'payload' in parsed) {
      return { id: parsed.id, subject: parsed.subject, payload: parsed.payload };
    }
  } catch {
    // Not JSON: a notification from before the payload migration.
  }
  return null;
}
