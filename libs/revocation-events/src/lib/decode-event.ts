import { parseEvent, type GatehouseEvent } from '@gatehouse/contracts';
import type { JsMsg } from 'nats';
import { fromWireSubject } from './subject-prefix';

/** Turns a stream message into a typed event; `null` for a foreign subject, bad JSON or a schema mismatch. */
export function decodeEvent(prefix: string, m: JsMsg): GatehouseEvent | null {
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
