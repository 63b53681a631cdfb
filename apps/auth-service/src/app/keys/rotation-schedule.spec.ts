import { planRotation, publishedAt, signerAt, type KeyWindow, type RotationPolicy } from './rotation-schedule';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000);
const policy: RotationPolicy = { intervalMs: 100_000, leadMs: 10_000, tailMs: 40_000 };
const key = (kid: string, publish: number, activate: number, retire: number | null = null, expire: number | null = null): KeyWindow => ({
  kid,
  publishAt: at(publish),
  activateAt: at(activate),
  retireAt: retire === null ? null : at(retire),
  expireAt: expire === null ? null : at(expire),
});

describe('planRotation', () => {
  it('creates a key that signs at once when there is none', () => {
    expect(planRotation([], at(0), policy)).toEqual({ create: { publishAt: at(0), activateAt: at(0) }, retire: [], remove: [] });
  });

  it('does nothing while the current key is not yet due within the lead', () => {
    expect(planRotation([key('a', 0, 0)], at(89), policy)).toEqual({ create: null, retire: [], remove: [] });
  });

  it('publishes a successor once due within the lead, activating at the due time', () => {
    const plan = planRotation([key('a', 0, 0)], at(90), policy);
    expect(plan.create).toEqual({ publishAt: at(90), activateAt: at(100) });
  });

  it('never activates a successor sooner than the lead, even when overdue', () => {
    const plan = planRotation([key('a', 0, 0)], at(500), policy);
    expect(plan.create).toEqual({ publishAt: at(500), activateAt: at(510) });
  });

  it('creates no second successor while one is waiting', () => {
    expect(planRotation([key('a', 0, 0), key('b', 90, 100)], at(95), policy)).toEqual({ create: null, retire: [], remove: [] });
  });

  it('retires the predecessor at the successor activation and expires it a tail later', () => {
    const plan = planRotation([key('a', 0, 0), key('b', 90, 100)], at(101), policy);
    expect(plan.retire).toEqual([{ kid: 'a', retireAt: at(100), expireAt: at(140) }]);
    expect(plan.create).toBeNull();
  });

  it('catches up after downtime: retires every superseded key and schedules the next one', () => {
    const plan = planRotation([key('a', 0, 0), key('b', 90, 100)], at(195), policy);
    expect(plan.retire).toEqual([{ kid: 'a', retireAt: at(100), expireAt: at(140) }]);
    expect(plan.create).toEqual({ publishAt: at(195), activateAt: at(205) });
  });

  it('removes keys past expire_at and leaves retired-but-needed keys alone', () => {
    const keys = [key('a', 0, 0, 100, 140), key('b', 90, 100, 200, 240), key('c', 190, 200)];
    expect(planRotation(keys, at(205), policy)).toEqual({ create: null, retire: [], remove: ['a'] });
    expect(planRotation(keys, at(240), policy).remove).toEqual(['a', 'b']);
  });

  it('replaces a signer when every key has been expired (forced rotation aftermath or manual edits)', () => {
    expect(planRotation([key('a', 0, 0, 5, 5)], at(5), policy)).toEqual({ create: { publishAt: at(5), activateAt: at(5) }, retire: [], remove: ['a'] });
  });

  it('rejects a negative duration', () => {
    expect(() => planRotation([], at(0), { ...policy, leadMs: -1 })).toThrow('leadMs');
  });
});

describe('signerAt and publishedAt', () => {
  const keys = [key('a', 0, 0, 100, 140), key('b', 90, 100), key('c', 190, 200)];

  it('has exactly one signer at every instant, switching exactly at activate_at', () => {
    expect(signerAt(keys, at(99.999))?.kid).toBe('a');
    expect(signerAt(keys, at(100))?.kid).toBe('b');
    expect(signerAt(keys, at(199))?.kid).toBe('b');
    expect(signerAt(keys, at(200))?.kid).toBe('c');
  });

  it('publishes current, next and still-needed old keys, newest first', () => {
    expect(publishedAt(keys, at(50)).map((k) => k.kid)).toEqual(['a']);
    expect(publishedAt(keys, at(95)).map((k) => k.kid)).toEqual(['b', 'a']);
    expect(publishedAt(keys, at(139)).map((k) => k.kid)).toEqual(['b', 'a']);
    expect(publishedAt(keys, at(140)).map((k) => k.kid)).toEqual(['b']);
    expect(publishedAt(keys, at(195)).map((k) => k.kid)).toEqual(['c', 'b']);
  });
});
