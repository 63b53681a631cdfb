import { CLIENT_CACHE_MAX_ENTRIES, ClientCache } from './client-cache';
import type { ClientEntity } from './client.entity';

function client(id: string, revokedAt: Date | null = null): ClientEntity {
  return {
    id, name: id, secretHash: Buffer.alloc(32), audiences: ['orders'], scopes: ['orders:read'], createdAt: new Date(0), revokedAt,
    redirectUris: [], postLogoutRedirectUris: [], backchannelLogoutUri: null, tokenEndpointAuthMethod: 'client_secret_basic', grantTypes: ['client_credentials'], firstParty: false, tokenExchange: null,
  };
}

describe('ClientCache', () => {
  let now: number;
  let cache: ClientCache;

  beforeEach(() => {
    now = 1_000_000;
    cache = new ClientCache(30_000, () => now);
    cache.enable();
  });

  it('stores a valid client read at the current generation', () => {
    cache.set(client('svc-a'), cache.generation);
    expect(cache.get('svc-a')?.id).toBe('svc-a');
  });

  it('refuses a read that began before an invalidation of any client', () => {
    const generation = cache.generation;
    cache.invalidate('svc-b');
    cache.set(client('svc-a'), generation);
    expect(cache.get('svc-a')).toBeUndefined();
  });

  it('drops an invalidated client', () => {
    cache.set(client('svc-a'), cache.generation);
    cache.invalidate('svc-a');
    expect(cache.get('svc-a')).toBeUndefined();
  });

  it('never stores a revoked client', () => {
    cache.set(client('svc-a', new Date()), cache.generation);
    expect(cache.size).toBe(0);
  });

  it('expires entries after the TTL', () => {
    cache.set(client('svc-a'), cache.generation);
    now += 29_999;
    expect(cache.get('svc-a')).toBeDefined();
    now += 1;
    expect(cache.get('svc-a')).toBeUndefined();
  });

  it('stores nothing while disabled (listener lost) and empties on disable', () => {
    cache.set(client('svc-a'), cache.generation);
    cache.disable();
    expect(cache.size).toBe(0);
    cache.set(client('svc-b'), cache.generation);
    expect(cache.get('svc-b')).toBeUndefined();
  });

  it('refuses a read that began before the listener came back', () => {
    cache.disable();
    const generation = cache.generation;
    cache.enable();
    cache.set(client('svc-a'), generation);
    expect(cache.size).toBe(0);
  });

  it('stores nothing with a TTL of 0', () => {
    const off = new ClientCache(0);
    off.enable();
    off.set(client('svc-a'), off.generation);
    expect(off.size).toBe(0);
  });

  it('keeps at most CLIENT_CACHE_MAX_ENTRIES, dropping the oldest', () => {
    for (let i = 0; i <= CLIENT_CACHE_MAX_ENTRIES; i++) cache.set(client(`svc-${i}`), cache.generation);
    expect(cache.size).toBe(CLIENT_CACHE_MAX_ENTRIES);
    expect(cache.get('svc-0')).toBeUndefined();
    expect(cache.get(`svc-${CLIENT_CACHE_MAX_ENTRIES}`)).toBeDefined();
  });

  it('hands out frozen records', () => {
    cache.set(client('svc-a'), cache.generation);
    const cached = cache.get('svc-a');
    expect(Object.isFrozen(cached)).toBe(true);
    expect(Object.isFrozen(cached?.scopes)).toBe(true);
  });
});
