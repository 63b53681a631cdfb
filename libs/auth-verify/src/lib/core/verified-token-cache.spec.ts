import type { AccessTokenClaims } from '@gatehouse/contracts';
import { VerifiedTokenCache } from './verified-token-cache';

const claims = (exp: number): AccessTokenClaims => ({ iss: 'http://i', sub: 's', aud: 'orders', exp, iat: exp - 60, jti: 'j', client_id: 'c', scope: '' });
const inAMinute = () => Math.floor(Date.now() / 1000) + 60;
/** Two verifications of the same token: the first marks it as seen, the second stores it. */
const remember = (cache: VerifiedTokenCache, token: string, kid: string, verified: AccessTokenClaims) => {
  cache.set(token, kid, verified);
  cache.set(token, kid, verified);
};

describe('VerifiedTokenCache', () => {
  it('returns an entry until its exp, then forgets it', () => {
    const cache = new VerifiedTokenCache(10_000);
    remember(cache, 'a', 'k1', claims(inAMinute()));
    expect(cache.get('a')?.kid).toBe('k1');
    remember(cache, 'b', 'k1', claims(Math.floor(Date.now() / 1000)));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('is bounded: the oldest entry makes room', () => {
    const cache = new VerifiedTokenCache(2);
    for (const t of ['a', 'b', 'c']) remember(cache, t, 'k', claims(inAMinute()));
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')).toBeDefined();
  });

  it('never holds more than max entries, and keeps a token in use while one-off tokens pass through', () => {
    const cache = new VerifiedTokenCache(1000);
    const verified = claims(inAMinute());
    remember(cache, 'hot', 'k', verified);
    let largest = 0;
    let hotMissed = 0;
    for (let i = 0; i < 20_000; i++) {
      remember(cache, `once-${i}`, 'k', verified);
      largest = Math.max(largest, cache.size);
      if (i % 400 === 0 && !cache.get('hot')) hotMissed++;
    }
    expect(largest).toBeLessThanOrEqual(1000);
    expect(largest).toBeGreaterThan(990); // and it does fill up
    expect(hotMissed).toBe(0);
    expect(cache.get('hot')).toBeDefined();
    expect(cache.get('once-0')).toBeUndefined();
    expect(cache.get('once-19999')).toBeDefined();
    const one = new VerifiedTokenCache(1);
    for (const t of ['a', 'b']) remember(one, t, 'k', claims(inAMinute()));
    expect([one.size, one.get('a'), one.get('b')?.kid]).toEqual([1, undefined, 'k']);
  });

  it('forgets a deleted or expired token in either generation', () => {
    const cache = new VerifiedTokenCache(4);
    remember(cache, 'a', 'k', claims(inAMinute()));
    remember(cache, 'b', 'k', claims(inAMinute()));
    remember(cache, 'c', 'k', claims(inAMinute())); // a and b are now the older generation
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b', (inAMinute() + 1) * 1000)).toBeUndefined();
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('stores a token on its second verification; one-off tokens cost no entry', () => {
    const cache = new VerifiedTokenCache(100_000);
    const verified = claims(inAMinute());
    cache.set('t', 'k', verified);
    expect(cache.get('t')).toBeUndefined();
    cache.set('t', 'k', verified);
    expect(cache.get('t')?.kid).toBe('k');
    for (let i = 0; i < 50_000; i++) cache.set(`once-${i}`.padEnd(12, '-'), 'k', verified);
    // Taken for seen by a bit another token set: at most 1 in 8 (the doorkeeper is cleared before more of its bits are set).
    expect(cache.size).toBeLessThan(1 + 50_000 / 8);
    expect(cache.size).toBeGreaterThan(0);
  });

  it('can be disabled', () => {
    const cache = new VerifiedTokenCache(0);
    remember(cache, 'a', 'k', claims(inAMinute()));
    expect(cache.get('a')).toBeUndefined();
  });

  it('answers only for the exact token when another ends the same way', () => {
    const cache = new VerifiedTokenCache(10_000);
    const end = 'S'.repeat(40);
    remember(cache, `h.p.${end}`, 'k', claims(inAMinute()));
    expect(cache.get(`h.p.${end}`)).toBeDefined();
    expect(cache.get(`h.forged.${end}`)).toBeUndefined();
    remember(cache, `h.forged.${end}`, 'k', claims(inAMinute())); // cannot displace the first
    expect(cache.get(`h.p.${end}`)).toBeDefined();
    expect(cache.size).toBe(1);
  });

  it('finds a token by its signature but answers only for the exact token', () => {
    const cache = new VerifiedTokenCache(10_000);
    remember(cache, 'h.p.sig', 'k', claims(inAMinute()));
    expect(cache.get('h.p.sig')).toBeDefined();
    expect(cache.get('h.other.sig')).toBeUndefined(); // same signature, another payload
    cache.delete('h.other.sig');
    expect(cache.size).toBe(1);
    cache.delete('h.p.sig');
    expect(cache.size).toBe(0);
  });
});
