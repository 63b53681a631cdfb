import { MAX_ACCESS_TOKEN_TTL_SECONDS, type AccessTokenClaims, type GatehouseEvent } from '@gatehouse/contracts';

/** Why a token is refused by revocation state. */
export type RevocationReason = 'revoked_token' | 'revoked_session' | 'revoked_subject' | 'revoked_client';

/**
 * In-memory revocation state. Each entry is kept only until every token it can cover has
 * expired, so memory is bounded by the revocation rate × the maximum token lifetime.
 * Applying the same event twice has no further effect.
 */
export class RevocationState {
  private readonly jti = new Map<string, number>();
  private readonly sid = new Map<string, number>();
  private readonly sub = new Map<string, number>();
  private readonly client = new Map<string, number>();
  private changes = 0;

  /**
   * Changes whenever an event adds or widens an entry (sweeping only removes entries of tokens
   * that have expired). A "not revoked" verdict reached at one version holds while it is current.
   */
  get version(): number {
    return this.changes;
  }

  /** Applies one event; `keys.rotated` is not revocation state and is ignored here. */
  apply(event: GatehouseEvent): void {
    switch (event.subject) {
      case 'gatehouse.revoked.token':
        this.keepMax(this.jti, event.payload.jti, event.payload.exp);
        break;
      case 'gatehouse.revoked.session':
        this.keepMax(this.sid, event.payload.sid, event.payload.until);
        break;
      case 'gatehouse.revoked.subject':
        this.keepMax(this.sub, event.payload.sub, event.payload.notBefore);
        break;
      case 'gatehouse.revoked.client':
        this.keepMax(this.client, event.payload.clientId, event.payload.notBefore);
        break;
      default:
        break;
    }
  }

  /**
   * The reason `claims` are revoked, or null. O(1): four map lookups, plus one per client of an
   * exchanged token's chain (its origin client and each actor; the depth is bounded).
   */
  check(claims: Pick<AccessTokenClaims, 'jti' | 'sid' | 'sub' | 'client_id' | 'iat' | 'act' | 'origin_client_id'>): RevocationReason | null {
    if (this.jti.has(claims.jti)) return 'revoked_token';
    if (claims.sid !== undefined && this.sid.has(claims.sid)) return 'revoked_session';
    const subNb = this.sub.get(claims.sub);
    if (subNb !== undefined && claims.iat <= subNb) return 'revoked_subject';
    const clientNb = this.client.get(claims.client_id);
    if (clientNb !== undefined && claims.iat <= clientNb) return 'revoked_client';
    if (this.client.size === 0) return null;
    if (claims.origin_client_id !== undefined && this.clientRevoked(claims.origin_client_id, claims.iat)) return 'revoked_client';
    for (let a = claims.act; a !== undefined; a = a.act) if (this.clientRevoked(a.sub, claims.iat)) return 'revoked_client';
    return null;
  }

  private keepMax(map: Map<string, number>, key: string, value: number): void {
    const prev = map.get(key);
    if (prev !== undefined && value <= prev) return;
    map.set(key, value);
    this.changes++;
  }

  private clientRevoked(clientId: string, iat: number): boolean {
    const nb = this.client.get(clientId);
    return nb !== undefined && iat <= nb;
  }

  /** Drops entries that can no longer match a live token. */
  sweep(nowSeconds: number): void {
    for (const [k, exp] of this.jti) if (exp < nowSeconds) this.jti.delete(k);
    for (const [k, until] of this.sid) if (until < nowSeconds) this.sid.delete(k);
    const horizon = nowSeconds - MAX_ACCESS_TOKEN_TTL_SECONDS;
    for (const [k, nb] of this.sub) if (nb < horizon) this.sub.delete(k);
    for (const [k, nb] of this.client) if (nb < horizon) this.client.delete(k);
  }

  /** Entries held, for metrics and the memory benchmark. */
  get size(): number {
    return this.jti.size + this.sid.size + this.sub.size + this.client.size;
  }
}
