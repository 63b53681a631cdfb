import { z } from 'zod';

/** JetStream stream holding every Gatehouse event. */
export const EVENTS_STREAM = 'GATEHOUSE_EVENTS';

/** Subjects of the stream (DESIGN.md, Revocation over NATS JetStream). */
export const EVENT_SUBJECTS = {
  revokedToken: 'gatehouse.revoked.token',
  revokedSession: 'gatehouse.revoked.session',
  revokedSubject: 'gatehouse.revoked.subject',
  revokedClient: 'gatehouse.revoked.client',
  keysRotated: 'gatehouse.keys.rotated',
} as const;

/** One of {@link EVENT_SUBJECTS}. */
export type EventSubject = (typeof EVENT_SUBJECTS)[keyof typeof EVENT_SUBJECTS];

const seconds = z.number().int().nonnegative();
const id = z.string().min(1).max(255);

/** Payload schemas by subject; every payload carries `v: 1`. Times are seconds since the epoch. */
export const EVENT_SCHEMAS = {
  [EVENT_SUBJECTS.revokedToken]: z.object({ v: z.literal(1), jti: id, exp: seconds }),
  [EVENT_SUBJECTS.revokedSession]: z.object({ v: z.literal(1), sid: id, until: seconds }),
  [EVENT_SUBJECTS.revokedSubject]: z.object({ v: z.literal(1), sub: id, notBefore: seconds }),
  [EVENT_SUBJECTS.revokedClient]: z.object({ v: z.literal(1), clientId: id, notBefore: seconds }),
  [EVENT_SUBJECTS.keysRotated]: z.object({ v: z.literal(1), kids: z.array(id).min(1) }),
} as const;

/** Payload type of the event on subject `S`. */
export type EventPayload<S extends EventSubject> = z.infer<(typeof EVENT_SCHEMAS)[S]>;

/** Any Gatehouse event: subject plus its payload. */
export type GatehouseEvent = { [S in EventSubject]: { subject: S; payload: EventPayload<S> } }[EventSubject];

/**
 * Validates an event read from the wire.
 *
 * @param subject - the NATS subject it arrived on
 * @param data - the decoded JSON payload
 * @returns the typed event, or `null` for an unknown subject or a payload that does not match
 * @example parseEvent('gatehouse.revoked.token', { v: 1, jti: 'a', exp: 1 })
 */
export function parseEvent(subject: string, data: unknown): GatehouseEvent | null {
  if (!(subject in EVENT_SCHEMAS)) return null;
  const schema = EVENT_SCHEMAS[subject as EventSubject];
  const parsed = schema.safeParse(data);
  return parsed.success ? ({ subject, payload: parsed.data } as GatehouseEvent) : null;
}
