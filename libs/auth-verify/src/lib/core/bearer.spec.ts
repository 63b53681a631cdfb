import { bearerFromSingleHeader } from './bearer';

describe('bearerFromSingleHeader', () => {
  const req = (...rawHeaders: string[]) => ({ rawHeaders });

  it.each([
    [['Authorization', 'Bearer abc.def.ghi'], 'abc.def.ghi'],
    [['authorization', 'bearer abc'], 'abc'],
    [['AUTHORIZATION', 'BEARER  abc  '], 'abc'],
    [['Authorization', '\t bEaReR\tabc\u00a0'], 'abc'],
    [['Host', 'x', 'Authorizatio', 'Bearer nope', 'Authorization', 'Bearer abc'], 'abc'],
    // Not scanned here: the verifier refuses it as malformed (see the hostile-token corpus).
    [['Authorization', 'Bearer a b'], 'a b'],
  ])('reads %j', (headers, token) => {
    expect(bearerFromSingleHeader(req(...headers))).toBe(token);
  });

  it.each([
    [[]],
    [['Authorization', 'Basic abc']],
    [['Authorization', 'Bearer ']],
    [['Authorization', 'Bearerabc']],
    [['Authorization', 'Bearer']],
    [['Authorization', 'Bear abc']],
    [['Authorization', 'Bearex abc']],
    [['Authorization', 'x Bearer abc']],
    [['Authorization', 'Bearer\u00a0\u00a0']],
    [['Authorization', 'Bearer abc', 'authorization', 'Bearer abc']],
    [['X-Authorization', 'Bearer abc']],
  ])('refuses %j', (headers) => {
    expect(bearerFromSingleHeader(req(...headers))).toBeNull();
  });

  it('agrees with /^\\s*bearer\\s+(.*\\S)\\s*$/i on every Latin-1 edge', () => {
    const regex = /^\s*bearer\s+(.*\S)\s*$/is;
    const pieces = ['', ' ', '\t', '\u00a0', '\u0085', 'Bearer', 'bEARER', 'bearer', 'Bearerx', 'B', 'a.b-c_d', '\u00e9', '"'];
    for (const a of pieces) for (const b of pieces) for (const c of pieces) for (const d of pieces) {
      const value = a + b + c + d;
      expect(bearerFromSingleHeader(req('Authorization', value))).toBe(regex.exec(value)?.[1] ?? null);
    }
  });

  it('reads Fastify requests through raw', () => {
    expect(bearerFromSingleHeader({ raw: { rawHeaders: ['Authorization', 'Bearer t'] } })).toBe('t');
  });
});
