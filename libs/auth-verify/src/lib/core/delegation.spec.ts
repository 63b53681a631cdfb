import { actorsOf, assertDelegation } from './delegation';

const user = { sid: 's1' };
const exchanged = { sid: 's1', act: { sub: 'orders-service' } };
const chained = { sid: 's1', act: { sub: 'svc-b', act: { sub: 'orders-service' } } };
const service = {};

function code(claims: Parameters<typeof assertDelegation>[0], rule: Parameters<typeof assertDelegation>[1]): string | null {
  try {
    assertDelegation(claims, rule);
    return null;
  } catch (err) {
    return (err as { code: string }).code;
  }
}

describe('assertDelegation', () => {
  it('lets everything through without a rule', () => {
    for (const c of [user, exchanged, chained, service]) expect(code(c, undefined)).toBeNull();
  });

  it('forbid: only tokens without act', () => {
    expect(code(user, { forbid: true })).toBeNull();
    expect(code(service, { forbid: true })).toBeNull();
    expect(code(exchanged, { forbid: true })).toBe('AUTH_FORBIDDEN');
  });

  it('require: an actor acting for a user, and with actors the current actor must be listed', () => {
    expect(code(exchanged, { require: true })).toBeNull();
    expect(code(user, { require: true })).toBe('AUTH_FORBIDDEN');
    expect(code(service, { require: true })).toBe('AUTH_FORBIDDEN');
    expect(code({ act: { sub: 'orders-service' } }, { require: true })).toBe('AUTH_FORBIDDEN'); // no session: not for a user
    expect(code(exchanged, { require: true, actors: ['orders-service'] })).toBeNull();
    expect(code(chained, { require: true, actors: ['orders-service'] })).toBe('AUTH_FORBIDDEN'); // orders-service is not the current actor
    expect(code(chained, { require: true, actors: ['svc-b'] })).toBeNull();
  });

  it('lists the actor chain, current first', () => {
    expect(actorsOf(chained)).toEqual(['svc-b', 'orders-service']);
    expect(actorsOf({})).toEqual([]);
  });
});
