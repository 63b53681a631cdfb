import { RevocationState } from './revocation-state';

const claims = { jti: 'j1', sid: 's1', sub: 'u1', client_id: 'gatehouse', iat: 1000 };

describe('RevocationState', () => {
  it('denies by jti, sid, subject not-before and client not-before', () => {
    const s = new RevocationState();
    expect(s.check(claims)).toBeNull();
    s.apply({ subject: 'gatehouse.revoked.client', payload: { v: 1, clientId: 'gatehouse', notBefore: 999 } });
    expect(s.check(claims)).toBeNull();
    s.apply({ subject: 'gatehouse.revoked.subject', payload: { v: 1, sub: 'u1', notBefore: 1000 } });
    expect(s.check(claims)).toBe('revoked_subject');
    expect(s.check({ ...claims, iat: 1001 })).toBeNull();
    s.apply({ subject: 'gatehouse.revoked.session', payload: { v: 1, sid: 's1', until: 2000 } });
    expect(s.check({ ...claims, iat: 1001 })).toBe('revoked_session');
    s.apply({ subject: 'gatehouse.revoked.token', payload: { v: 1, jti: 'j1', exp: 2000 } });
    expect(s.check(claims)).toBe('revoked_token');
    expect(s.check({ ...claims, client_id: 'x', jti: 'j2', sid: undefined, sub: 'u2' })).toBeNull();
  });

  it('refuses an exchanged token when any client of its chain is revoked: the actor, an earlier actor, or the origin client', () => {
    const exchanged = { ...claims, client_id: 'svc-b', act: { sub: 'svc-b', act: { sub: 'orders-service' } }, origin_client_id: 'sample-spa' };
    for (const clientId of ['svc-b', 'orders-service', 'sample-spa']) {
      const s = new RevocationState();
      s.apply({ subject: 'gatehouse.revoked.client', payload: { v: 1, clientId: 'unrelated', notBefore: 5000 } });
      expect(s.check(exchanged)).toBeNull();
      s.apply({ subject: 'gatehouse.revoked.client', payload: { v: 1, clientId, notBefore: 1000 } });
      expect({ clientId, reason: s.check(exchanged) }).toEqual({ clientId, reason: 'revoked_client' });
      expect(s.check({ ...exchanged, iat: 1001 })).toBeNull(); // issued after the revocation (a re-registered client)
    }
  });

  it('is idempotent and keeps the later not-before', () => {
    const s = new RevocationState();
    const e = { subject: 'gatehouse.revoked.subject' as const, payload: { v: 1 as const, sub: 'u1', notBefore: 1500 } };
    s.apply(e);
    s.apply(e);
    s.apply({ subject: 'gatehouse.revoked.subject', payload: { v: 1, sub: 'u1', notBefore: 1200 } });
    expect(s.size).toBe(1);
    expect(s.check({ ...claims, iat: 1400 })).toBe('revoked_subject');
  });

  it('changes its version when an event adds or widens an entry, and only then', () => {
    const s = new RevocationState();
    const v0 = s.version;
    const e = { subject: 'gatehouse.revoked.subject' as const, payload: { v: 1 as const, sub: 'u1', notBefore: 1500 } };
    s.apply(e);
    const v1 = s.version;
    expect(v1).not.toBe(v0);
    s.apply(e);
    s.apply({ subject: 'gatehouse.revoked.subject', payload: { v: 1, sub: 'u1', notBefore: 1200 } });
    s.sweep(10);
    expect(s.version).toBe(v1);
    s.apply({ subject: 'gatehouse.revoked.subject', payload: { v: 1, sub: 'u1', notBefore: 1600 } });
    expect(s.version).not.toBe(v1);
  });

  it('forgets entries once the tokens they cover have expired', () => {
    const s = new RevocationState();
    s.apply({ subject: 'gatehouse.revoked.token', payload: { v: 1, jti: 'old', exp: 100 } });
    s.apply({ subject: 'gatehouse.revoked.session', payload: { v: 1, sid: 'old', until: 100 } });
    s.apply({ subject: 'gatehouse.revoked.subject', payload: { v: 1, sub: 'old', notBefore: 100 } });
    s.apply({ subject: 'gatehouse.revoked.token', payload: { v: 1, jti: 'new', exp: 10_000 } });
    s.sweep(101);
    expect(s.size).toBe(2);
    s.sweep(100 + 3600 + 1);
    expect(s.size).toBe(1);
  });
});
