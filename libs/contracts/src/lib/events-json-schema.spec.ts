import Ajv2020 from 'ajv/dist/2020';
import { EVENT_SCHEMAS, EVENT_SUBJECTS, parseEvent, type EventSubject } from './events';
import { eventsJsonSchema } from './events-json-schema';

describe('eventsJsonSchema', () => {
  const schema = eventsJsonSchema();
  const ajv = new Ajv2020({ strict: false });
  ajv.addSchema(schema, 'events');
  const defs = schema['$defs'] as Record<string, { 'x-nats-subject': string }>;
  const validatorFor = (subject: EventSubject) => {
    const name = Object.keys(defs).find((n) => defs[n]!['x-nats-subject'] === subject);
    const v = ajv.getSchema(`events#/$defs/${name}`);
    if (!v) throw new Error(`no definition for ${subject}`);
    return v;
  };
  const samples: Record<EventSubject, { good: unknown; bad: unknown[] }> = {
    [EVENT_SUBJECTS.revokedToken]: { good: { v: 1, jti: 'a', exp: 1 }, bad: [{ v: 2, jti: 'a', exp: 1 }, { v: 1, jti: '', exp: 1 }, { v: 1, jti: 'a', exp: -1 }, { v: 1, jti: 'a', exp: 1.5 }, { v: 1, jti: 'a' }] },
    [EVENT_SUBJECTS.revokedSession]: { good: { v: 1, sid: 's', until: 10 }, bad: [{ v: 1, sid: 's' }, { v: 1, sid: 'x'.repeat(256), until: 1 }] },
    [EVENT_SUBJECTS.revokedSubject]: { good: { v: 1, sub: 'u', notBefore: 10 }, bad: [{ v: 1, sub: 'u', notBefore: '10' }] },
    [EVENT_SUBJECTS.revokedClient]: { good: { v: 1, clientId: 'c', notBefore: 10 }, bad: [{ v: 1, client_id: 'c', notBefore: 10 }] },
    [EVENT_SUBJECTS.keysRotated]: { good: { v: 1, kids: ['k1'] }, bad: [{ v: 1, kids: [] }, { v: 1, kids: [''] }, { v: 1 }] },
  };

  it('has one definition per subject, each naming its subject', () => {
    expect(Object.values(defs).map((d) => d['x-nats-subject']).sort()).toEqual(Object.keys(EVENT_SCHEMAS).sort());
  });

  it.each(Object.keys(samples) as EventSubject[])('%s: accepts and refuses exactly what the zod schema does', (subject) => {
    const validate = validatorFor(subject);
    const { good, bad } = samples[subject];
    expect(validate(good)).toBe(true);
    expect(parseEvent(subject, good)).not.toBeNull();
    // A member added later within v1 is ignored by verifiers, so the schema must not refuse it either.
    const extended = { ...(good as object), addedLater: true };
    expect(validate(extended)).toBe(true);
    expect(parseEvent(subject, extended)).not.toBeNull();
    for (const b of bad) {
      expect({ payload: b, json: validate(b) }).toEqual({ payload: b, json: false });
      expect(parseEvent(subject, b)).toBeNull();
    }
  });
});
