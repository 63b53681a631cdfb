import type { AccessTokenClaims } from '@gatehouse/contracts';
import { VerifiedTokenCache } from './verified-token-cache';

const claims = (exp: number): AccessTokenClaims => ({ iss: 'http://i', sub: 's', aud: 'orders', exp, iat: exp - 60, jti: 'j', client_id: 'c', scope: '' });
const inAMinute = () => Math.floor(Date.now() / 1000) + 60;

describe('VerifiedTokenCache', () => {
  it('returns an entry until its exp, then forgets it', () => {
    const cache = new VerifiedTokenCache(10_000);
    cache.set('a', 'k1', claims(inAMinute()));
    expect(cache.get('a')?.kid).toBe('k1');
    cache.set('b', 'k1', claims(Math.floor(Date.now() / 1000)));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('is bounded: the oldest entry makes room', () => {
    const cache = new VerifiedTokenCache(2);
    for (const t of ['a', 'b', 'c']) cache.set(t, 'k', claims(inAMinute()));
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')).toBeDefined();
  });

  it('can be disabled', () => {
    const cache = new VerifiedTokenCache(0);
    cache.set('a', 'k', claims(inAMinute()));
    expect(cache.get('a')).toBeUndefined();
  });

  it('answers only for the exact token when another ends the same way', () => {
    const cache = new VerifiedTokenCache(10_000);
    const end = 'S'.repeat(40);
    cache.set(`h.p.${end}`, 'k', claims(inAMinute()));
    expect(cache.get(`h.p.${end}`)).toBeDefined();
    expect(cache.get(`h.forged.${end}`)).toBeUndefined();
    cache.set(`h.forged.${end}`, 'k', claims(inAMinute())); // cannot displace the first
    expect(cache.get(`h.p.${end}`)).toBeDefined();
    expect(cache.size).toBe(1);
  });

  it('finds a token by its signature but answers only for the exact token', () => {
    const cache = new VerifiedTokenCache(10_000);
    cache.set('h.p.sig', 'k', claims(inAMinute()));
    expect(cache.get('h.p.sig')).toBeDefined();
    expect(cache.get('h.other.sig')).toBeUndefined(); // same signature, another payload
    cache.delete('h.other.sig');
    expect(cache.size).toBe(1);
    cache.delete('h.p.sig');
    expect(cache.size).toBe(0);
  });
});
