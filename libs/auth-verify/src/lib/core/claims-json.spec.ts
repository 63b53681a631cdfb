import { parseClaimsJson } from './claims-json';
import { hasDuplicateKeys } from './token-rejection';

/** What the general way makes of a text: JSON.parse's value (or a syntax error) and the duplicate-name verdict. */
function general(text: string): { duplicate: boolean; value?: unknown; error?: true } {
  const duplicate = hasDuplicateKeys(text);
  try {
    return { duplicate, value: JSON.parse(text) };
  } catch {
    return { duplicate, error: true };
  }
}

describe('parseClaimsJson', () => {
  it('parses a payload as auth-service writes it, key order kept', () => {
    const claims = { iss: 'http://issuer', sub: 'u1', aud: ['orders', 'inventory'], exp: 1764000300, iat: 1764000000, jti: 'j', client_id: 'gatehouse', scope: 'orders:read', sid: 's', amr: ['pwd', 'otp'], auth_time: 0 };
    const result = parseClaimsJson(JSON.stringify(claims));
    expect(result).toEqual({ kind: 'parsed', value: claims });
    expect(result.kind === 'parsed' && Object.keys(result.value)).toEqual(Object.keys(claims));
  });

  it.each([
    ['a repeated name', '{"sub":"a","sub":"b"}', 'duplicate'],
    ['whitespace', '{"sub": "a"}', 'other'],
    ['an escape in a value', '{"sub":"a\\"b"}', 'other'],
    ['an escape in a name', '{"s\\u0075b":"a"}', 'other'],
    ['an unknown name', '{"sub":"a","admin":"yes"}', 'other'],
    ['a negative number', '{"exp":-1}', 'other'],
    ['a fraction', '{"exp":1.5}', 'other'],
    ['an exponent', '{"exp":1e3}', 'other'],
    ['a leading zero', '{"exp":0123}', 'other'],
    ['16 digits', '{"exp":1234567890123456}', 'other'],
    ['a nested object (act)', '{"act":{"sub":"svc"}}', 'other'],
    ['true', '{"sid":true}', 'other'],
    ['a number in an array', '{"aud":[1]}', 'other'],
    ['a trailing comma', '{"sub":"a",}', 'other'],
    ['text after the object', '{"sub":"a"}{}', 'other'],
    ['a control character', '{"sub":"a\u0001"}', 'other'],
    ['an array', '["sub"]', 'other'],
  ])('leaves the rest to the general way: %s', (_name, text, kind) => {
    expect(parseClaimsJson(text).kind).toBe(kind);
  });

  it('agrees with JSON.parse and hasDuplicateKeys on 20,000 generated texts', () => {
    // Pieces that are in the subset and pieces just outside it, glued by a small grammar that
    // also makes broken JSON (missing commas, stray characters).
    const names = ['"iss"', '"sub"', '"aud"', '"exp"', '"scope"', '"client_id"', '"amr"', '"act"', '"x"', '"su\\u0062"', '"s ub"', '""'];
    const values = ['"a"', '""', '"a b:c"', '"é☃"', '"a\\"b"', '"a\\\\"', '"\\u0041"', '0', '7', '00', '-1', '1.5', '2e3', '999999999999999', '1000000000000000', '[]', '["x"]', '["x","y"]', '["x",]', '[1]', '{"sub":"a"}', '{}', 'true', 'null', '"unterminated', '"a\u0001"', '"\t"'];
    const glue = [',', ',', ',', ', ', '', ',,'];
    let seed = 11;
    // 32-bit LCG in integer arithmetic (a float product would lose the low bits and cycle early).
    const next = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    let parsed = 0;
    for (let t = 0; t < 20_000; t++) {
      let text = '{';
      for (let m = next(7); m > 0; m--) {
        text += `${names[next(names.length)] ?? '"x"'}${next(8) === 0 ? ' :' : ':'}${values[next(values.length)] ?? '0'}`;
        if (m > 1) text += glue[next(glue.length)] ?? ',';
      }
      text += next(20) === 0 ? '' : '}';
      const fast = parseClaimsJson(text);
      const slow = general(text);
      if (fast.kind === 'parsed') {
        parsed++;
        expect(slow.error).toBeUndefined();
        expect(slow.duplicate).toBe(false);
        expect(fast.value).toStrictEqual(slow.value);
        expect(Object.keys(fast.value)).toEqual(Object.keys(slow.value as object));
      } else if (fast.kind === 'duplicate') {
        expect(slow.duplicate).toBe(true);
      }
    }
    // The grammar must reach the fast path often enough for the comparison to mean something.
    expect(parsed).toBeGreaterThan(1_000);
  });
});
