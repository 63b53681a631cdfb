import { MAX_ACT_NESTING, accessTokenClaimsSchema, actDepth, actorChain, parseAccessTokenClaims } from './claims';

const valid = {
  iss: 'http://127.0.0.1:3000',
  sub: '3f6c1b9e-1d2a-4c1e-9a55-5d1b2f1f0a11',
  aud: ['orders', 'inventory'],
  exp: 1_900_000_900,
  iat: 1_900_000_000,
  jti: 'b0d4f6de-7c0b-4a0e-8c7d-1a2b3c4d5e6f',
  client_id: 'gatehouse-web',
  scope: 'orders:read orders:write',
  sid: '9a1b2c3d-0000-4000-8000-000000000001',
  amr: ['pwd', 'otp', 'mfa'],
  auth_time: 1_899_999_000,
};

const ABSENT = Symbol('absent');
/** Values every claim is tried with: types, bounds and the odd ones JSON can produce. */
const pool: unknown[] = [{ sub: 'orders-service' }, { sub: 'b', act: { sub: 'a', extra: 1 } }, { sub: '' }, { sub: 'b', act: 'a' }, nested(8), nested(9), ABSENT, null, '', 'x', 'x'.repeat(255), 'x'.repeat(256), 0, -1, 1.5, 2 ** 53, 2 ** 53 - 1, 1_900_000_000, '1900000000', true, {}, [], ['orders'], [''], ['orders', 1], 'orders'];

/** An `act` chain `depth` actors deep. */
function nested(depth: number): unknown {
  let act: Record<string, unknown> | undefined;
  for (let i = 0; i < depth; i++) act = act ? { sub: `svc-${i}`, act } : { sub: `svc-${i}` };
  return act;
}

function schemaResult(data: unknown): unknown {
  const parsed = accessTokenClaimsSchema.safeParse(data);
  return parsed.success ? parsed.data : null;
}

function withClaim(name: string, value: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...valid };
  if (value === ABSENT) delete copy[name];
  else copy[name] = value;
  return copy;
}

describe('parseAccessTokenClaims', () => {
  it('accepts valid claims, strips unknown ones and copies the audience array', () => {
    const input = { ...valid, extra: 'dropped', nbf: valid.iat };
    const out = parseAccessTokenClaims(input);
    expect(out).toEqual({ ...valid, nbf: valid.iat });
    expect(out?.aud).not.toBe(input.aud);
  });

  it('keeps an act chain (unknown members stripped) and the origin client; refuses a chain nested past the limit', () => {
    const input = { ...valid, act: { sub: 'svc-b', act: { sub: 'orders-service', iss: 'dropped' } }, origin_client_id: 'gatehouse' };
    expect(parseAccessTokenClaims(input)).toEqual({ ...valid, act: { sub: 'svc-b', act: { sub: 'orders-service' } }, origin_client_id: 'gatehouse' });
    expect(actorChain(parseAccessTokenClaims(input)?.act)).toEqual(['svc-b', 'orders-service']);
    expect(actDepth(parseAccessTokenClaims({ ...valid, act: nested(MAX_ACT_NESTING) })?.act)).toBe(MAX_ACT_NESTING);
    expect(parseAccessTokenClaims({ ...valid, act: nested(MAX_ACT_NESTING + 1) })).toBeNull();
    expect(schemaResult({ ...valid, act: nested(MAX_ACT_NESTING + 1) })).toBeNull();
  });

  it.each(['not an object', null, 42, [valid], undefined])('refuses a payload that is not an object (%p)', (payload) => {
    expect(parseAccessTokenClaims(payload)).toBeNull();
    expect(schemaResult(payload)).toBeNull();
  });

  it('agrees with accessTokenClaimsSchema on every claim × edge value', () => {
    const claims = [...Object.keys(valid), 'nbf', 'act', 'origin_client_id'];
    let refused = 0;
    for (const name of claims) {
      for (const value of pool) {
        const input = withClaim(name, value);
        const expected = schemaResult(input);
        expect({ name, value, out: parseAccessTokenClaims(input) }).toEqual({ name, value, out: expected });
        if (expected === null) refused++;
      }
    }
    expect(refused).toBeGreaterThan(claims.length * 10); // the pool really exercises refusals
  });

  it('agrees with the schema on random pairs of damaged claims', () => {
    const names = [...Object.keys(valid), 'nbf', 'act', 'origin_client_id'];
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      const input = withClaim(names[next(names.length)] as string, pool[next(pool.length)]);
      const name = names[next(names.length)] as string;
      const value = pool[next(pool.length)];
      if (value === ABSENT) delete input[name];
      else input[name] = value;
      expect(parseAccessTokenClaims(input)).toEqual(schemaResult(input));
    }
  });
});
