import { parseEvent, type GatehouseEvent } from '@gatehouse/contracts';
import type { MsgHdrs } from 'nats';
import { EVENT_ID_HEADER } from './event-publisher';
import { fromWireSubject } from './subject-prefix';

/** What both paths deliver: a subject, a body and headers. */
export interface EventMessage {
  readonly subject: string;
  readonly headers?: MsgHdrs | undefined;
  string(): string;
}

/** Turns a stream or fast-path message into a typed event; `null` for a foreign subject, bad JSON or a schema mismatch. */
export function decodeEvent(prefix: string, m: EventMessage): GatehouseEvent | null {
  const subject = fromWireSubject(prefix, m.subject);
  if (subject === null) return null;
  let data: unknown;
  try {
    data = JSON.parse(m.string());
  } catch {
    return null;
  }
  return parseEvent(subject, data);
}

/** The event's id (`Nats-Msg-Id`), on both paths; undefined when it has none. */
export function eventId(m: EventMessage): string | undefined {
  const id = m.headers?.get(EVENT_ID_HEADER);
  return id ? id : undefined;
}
