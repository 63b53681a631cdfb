import { checkHeader, hasDuplicateKeys, parseCompactJws, TokenRejection } from './token-rejection';

const seg = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const good = `${seg({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })}.${seg({ sub: 'a' })}.c2ln`;

describe('checkHeader', () => {
  it('returns the kid of a well-formed header', () => {
    expect(checkHeader(good)).toBe('k1');
  });
  it.each([
    ['padding', good + '='],
    ['non-canonical base64url (trailing bits)', good.replace(/c2ln$/, 'c2lnc2')],
    ['four segments', good + '.x'],
    ['invalid UTF-8 in the payload', `${seg({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })}.${Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]).toString('base64url')}.c2ln`],
    ['duplicate payload keys', `${seg({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })}.${Buffer.from('{"sub":"a","sub":"b"}').toString('base64url')}.c2ln`],
    ['duplicate header keys', `${Buffer.from('{"alg":"none","alg":"RS256","typ":"at+jwt","kid":"k"}').toString('base64url')}.${seg({})}.c2ln`],
    ['kid as a number', `${seg({ alg: 'RS256', typ: 'at+jwt', kid: 7 })}.${seg({})}.c2ln`],
    ['cty (nested JWT)', `${seg({ alg: 'RS256', typ: 'at+jwt', kid: 'k', cty: 'JWT' })}.${seg({})}.c2ln`],
  ])('rejects %s', (_name, token) => {
    expect(() => checkHeader(token)).toThrow(TokenRejection);
  });
});

describe('parseCompactJws with known headers', () => {
  const header = good.slice(0, good.indexOf('.'));
  it('takes the kid of a header segment that verified before, and still checks the rest', () => {
    const known = new Map([[header, 'k1']]);
    expect(parseCompactJws(good, known)).toMatchObject({ kid: 'k1', header, headerKnown: true, payloadJson: '{"sub":"a"}', signature: 'c2ln' });
    expect(() => parseCompactJws(`${header}.${Buffer.from('{"sub":"a","sub":"b"}').toString('base64url')}.c2ln`, known)).toThrow(TokenRejection);
    expect(() => parseCompactJws(good + '=', known)).toThrow(TokenRejection);
  });
  it('checks any other header in full', () => {
    const known = new Map([[header, 'k1']]);
    expect(() => parseCompactJws(`${seg({ alg: 'none', typ: 'at+jwt', kid: 'k1' })}.${seg({ sub: 'a' })}.c2ln`, known)).toThrow(TokenRejection);
  });
});

describe('hasDuplicateKeys', () => {
  it('looks only at top-level member names, honouring strings and escapes', () => {
    expect(hasDuplicateKeys('{"a":1,"b":{"a":2}}')).toBe(false);
    expect(hasDuplicateKeys('{"a":"x\\"a\\":1","b":2}')).toBe(false);
    expect(hasDuplicateKeys('{"a":1, "a" :2}')).toBe(true);
    expect(hasDuplicateKeys('{"\\u0061":1,"a":2}')).toBe(true);
  });

  it('agrees with the decoded top-level names on 5,000 generated objects (nesting, escapes, lookalike strings)', () => {
    // Each name as written and as decoded; values that contain quotes, colons and nested members.
    const names: [string, string][] = [['a', 'a'], ['b', 'b'], ['sub', 'sub'], ['su', 'su'], ['\\u0061', 'a'], ['x\\"y', 'x"y'], ['', '']];
    const values = ['1', '"a"', '"a\\":1"', '{"a":1,"a":2}', '[{"b":1}]', '"\\\\"', 'null'];
    let seed = 7;
    // 32-bit LCG in integer arithmetic (a float product would lose the low bits and cycle early).
    const next = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    for (let t = 0; t < 5000; t++) {
      const members: string[] = [];
      const decoded: string[] = [];
      for (let m = next(6); m > 0; m--) {
        const [written, name] = names[next(names.length)] ?? ['a', 'a'];
        members.push(`"${written}"${next(3) === 0 ? ' ' : ''}:${values[next(values.length)] ?? '1'}`);
        decoded.push(name);
      }
      const json = `{${members.join(',')}}`;
      expect(hasDuplicateKeys(json)).toBe(new Set(decoded).size !== decoded.length);
    }
  });
});
