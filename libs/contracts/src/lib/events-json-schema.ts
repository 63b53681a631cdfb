import { z } from 'zod';
import { EVENT_SCHEMAS, EVENT_SUBJECTS, type EventSubject } from './events';

/** Where the packed `@gatehouse/contracts` carries {@link eventsJsonSchema} as a file. */
export const EVENTS_JSON_SCHEMA_PATH = 'schemas/revocation-events.schema.json';

/**
 * The revocation-event contract as one JSON Schema (draft 2020-12), generated from the zod
 * schemas that verifiers validate with, for consumers in any language. The payload carries no
 * subject: pick the definition by the NATS subject the message arrived on (`x-nats-subject`).
 *
 * @example writeFileSync('revocation-events.schema.json', JSON.stringify(eventsJsonSchema(), null, 2));
 */
export function eventsJsonSchema(): Record<string, unknown> {
  const names = Object.fromEntries(Object.entries(EVENT_SUBJECTS).map(([name, subject]) => [subject, name])) as Record<EventSubject, string>;
  const defs: Record<string, unknown> = {};
  for (const [subject, schema] of Object.entries(EVENT_SCHEMAS) as [EventSubject, z.ZodType][]) {
    const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
    defs[names[subject]] = { ...json, 'x-nats-subject': subject };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Gatehouse events',
    description:
      'Payloads of the GATEHOUSE_EVENTS JetStream stream (subjects gatehouse.>), JSON, one per message. Choose the definition by the message subject (x-nats-subject). Times are seconds since the epoch; every payload carries v: 1. Nats-Msg-Id is the event id: apply idempotently.',
    $defs: defs,
    anyOf: Object.keys(defs).map((name) => ({ $ref: `#/$defs/${name}` })),
  };
}
