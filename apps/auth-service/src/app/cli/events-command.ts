import { connectNats, ensureEventStream, EventPublisher, natsAccessFrom } from '@gatehouse/revocation-events';
import { Client } from 'pg';
import type { Logger } from 'pino';
import type { AuthConfig } from '../config/config.schema';
import { restoreEvents } from '../events/restore-events';
import { StreamGuard } from '../events/stream-guard';

/** `events --help`. */
export const EVENTS_HELP = `usage: main.js events check
       main.js events restore

check    compares the event stream (EVENTS_STREAM) with the outbox and prints
         {"intact": true, "fromSeq": N} or {"intact": false, "reason": "..."}; exit code 0 / 3.
restore  re-publishes the live revocation set from Postgres (every outbox event of the last
         61 minutes: session, subject, client and token revocations, key rotations), then
         writes a checkpoint so that verifiers trust the stream again; prints a JSON report.
         Safe to run at any time and more than once. The running auth-service does the same by
         itself within EVENTS_CHECKPOINT_INTERVAL of noticing a stream that lost events.

Uses DATABASE_URL, NATS_URL, NATS_USER, NATS_PASSWORD, NATS_TLS_CA_FILE (the auth-service user:
only it may publish events). Logs go to stderr.`;

/** Thrown for a command line this command does not understand. */
export class EventsUsageError extends Error {
  override readonly name = 'EventsUsageError';
}

/**
 * Runs `events check` or `events restore`; prints a JSON report on stdout.
 *
 * @returns the process exit code (3: the stream is not intact)
 * @throws EventsUsageError for an unknown action; connection errors as they come
 */
export async function eventsCommand(config: AuthConfig, argv: string[], log: Logger): Promise<number> {
  const [action, ...extra] = argv;
  if (action === '--help' || argv.includes('--help')) {
    process.stdout.write(`${EVENTS_HELP}\n`);
    return 0;
  }
  if ((action !== 'check' && action !== 'restore') || extra.length > 0) throw new EventsUsageError(EVENTS_HELP.split('\n\n')[0] ?? 'usage: main.js events check|restore');
  const db = new Client({ connectionString: config.DATABASE_URL, application_name: 'gatehouse-events-cli' });
  await db.connect();
  const nc = await connectNats(config.NATS_URL, 'auth-service-events-cli', natsAccessFrom(config));
  try {
    const stream = { name: config.EVENTS_STREAM, subjectPrefix: config.EVENTS_SUBJECT_PREFIX, numReplicas: config.EVENTS_STREAM_REPLICAS };
    const guard = new StreamGuard(nc, stream, log);
    if (action === 'check') {
      const check = await guard.check(db);
      process.stdout.write(`${JSON.stringify(check)}\n`);
      return check.intact ? 0 : 3;
    }
    await ensureEventStream(await nc.jetstreamManager(), stream);
    const publisher = new EventPublisher(nc, { prefix: config.EVENTS_SUBJECT_PREFIX });
    const report = await restoreEvents(db, publisher, (id, seq) => guard.recorded(id, seq));
    const check = await guard.check(db);
    const checkpoint = check.intact ? await guard.round(db, publisher) : 'not written';
    process.stdout.write(`${JSON.stringify({ ...report, intact: check.intact, checkpoint })}\n`);
    log.info({ ...report }, 'events restore: done');
    return check.intact ? 0 : 3;
  } finally {
    await nc.drain().catch(() => undefined);
    await db.end().catch(() => undefined);
  }
}
