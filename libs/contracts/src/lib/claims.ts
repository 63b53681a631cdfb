import { z } from 'zod';

/** JOSE header `typ` of Gatehouse access tokens (RFC 9068). */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** The only signing algorithm Gatehouse issues or accepts. */
export const ACCESS_TOKEN_ALG = 'RS256';

/** Longest access-token lifetime the platform allows, in seconds. */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 3600;

const numericDate = z.number().int().nonnegative();

/**
 * RFC 8693 §4.1 `act`: who is acting for the subject; a nested `act` is the actor before it
 * (the outermost object is the current actor). At Gatehouse every actor is a client id.
 */
export interface ActorClaim {
  sub: string;
  act?: ActorClaim;
}

/** Deepest `act` nesting a token may carry at all (the issuer's limit, `TOKEN_EXCHANGE_MAX_DEPTH`, is lower). */
export const MAX_ACT_NESTING = 8;

const actorClaimSchema: z.ZodType<ActorClaim> = z.lazy(() => z.object({ sub: z.string().min(1).max(255), act: actorClaimSchema.optional() }));

/** How many actors an `act` chain names (0 for none). */
export function actDepth(act: ActorClaim | undefined): number {
  let depth = 0;
  for (let a = act; a !== undefined; a = a.act) depth++;
  return depth;
}

/** Runtime schema of access-token claims (DESIGN.md, Tokens). Unknown claims are stripped. */
export const accessTokenClaimsSchema = z.object({
  iss: z.string().min(1),
  sub: z.string().min(1).max(255),
  aud: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  exp: numericDate,
  iat: numericDate,
  jti: z.string().min(1).max(255),
  client_id: z.string().min(1).max(255),
  scope: z.string(),
  sid: z.string().min(1).max(255).optional(),
  nbf: numericDate.optional(),
  /** Token exchange (RFC 8693): the acting client, nested for chains. */
  act: actorClaimSchema.refine((a) => actDepth(a) <= MAX_ACT_NESTING, 'act is nested too deeply').optional(),
  /** Token exchange: the client the user's original token was issued to (its revocation reaches every hop). */
  origin_client_id: z.string().min(1).max(255).optional(),
  /** Authentication methods of the sign-in behind a user token (RFC 8176: `pwd`, `otp`, `hwk`, `mfa`, …). */
  amr: z.array(z.string().min(1).max(32)).max(8).optional(),
  /** When the user signed in (OIDC Core §2), for user tokens. */
  auth_time: numericDate.optional(),
});

/** Verified access-token claims. `sid` is present for user tokens only; `act` and `origin_client_id` for exchanged tokens only. */
export type AccessTokenClaims = z.infer<typeof accessTokenClaimsSchema>;

/**
 * `accessTokenClaimsSchema.safeParse(data)` without zod's per-call overhead, for the verifier's
 * hot path (every request with a token not seen before): the same checks, the same output
 * (unknown claims stripped, arrays copied), `null` where the schema fails. Kept equal to the
 * schema by a property test (claims.spec.ts).
 *
 * @example const claims = parseAccessTokenClaims(JSON.parse(payloadJson)); if (!claims) reject();
 */
export function parseAccessTokenClaims(data: unknown): AccessTokenClaims | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const c = data as Record<string, unknown>;
  const { iss, sub, aud, exp, iat, jti, client_id: clientId, scope, sid, nbf, act, origin_client_id: originClientId, amr, auth_time: authTime } = c;
  if (!isString(iss, 1, Infinity) || !isString(sub, 1, 255) || !isString(jti, 1, 255) || !isString(clientId, 1, 255) || !isString(scope, 0, Infinity)) return null;
  if (!isNumericDate(exp) || !isNumericDate(iat)) return null;
  let audience: string | string[];
  if (typeof aud === 'string' && aud.length >= 1) audience = aud;
  else if (Array.isArray(aud) && aud.length >= 1 && aud.every((a) => isString(a, 1, Infinity))) audience = [...(aud as string[])];
  else return null;
  const claims: AccessTokenClaims = { iss, sub, aud: audience, exp, iat, jti, client_id: clientId, scope };
  if (sid !== undefined) {
    if (!isString(sid, 1, 255)) return null;
    claims.sid = sid;
  }
  if (nbf !== undefined) {
    if (!isNumericDate(nbf)) return null;
    claims.nbf = nbf;
  }
  if (act !== undefined) {
    const actor = parseActor(act, 1);
    if (!actor) return null;
    claims.act = actor;
  }
  if (originClientId !== undefined) {
    if (!isString(originClientId, 1, 255)) return null;
    claims.origin_client_id = originClientId;
  }
  if (amr !== undefined) {
    if (!Array.isArray(amr) || amr.length > 8 || !amr.every((m) => isString(m, 1, 32))) return null;
    claims.amr = [...(amr as string[])];
  }
  if (authTime !== undefined) {
    if (!isNumericDate(authTime)) return null;
    claims.auth_time = authTime;
  }
  return claims;
}

/** A copy of an `act` chain with unknown members stripped, or null where the schema would fail. */
function parseActor(value: unknown, depth: number): ActorClaim | null {
  if (depth > MAX_ACT_NESTING || typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { sub, act } = value as Record<string, unknown>;
  if (!isString(sub, 1, 255)) return null;
  if (act === undefined) return { sub };
  const inner = parseActor(act, depth + 1);
  return inner ? { sub, act: inner } : null;
}

/**
 * The actors of an exchanged token, current first (`act.sub`, then `act.act.sub`, …); empty
 * for a token that was not exchanged.
 *
 * @example actorChain({ sub: 'svc-b', act: { sub: 'orders-service' } }) // ['svc-b', 'orders-service']
 */
export function actorChain(act: ActorClaim | undefined): string[] {
  const chain: string[] = [];
  for (let a = act; a !== undefined; a = a.act) chain.push(a.sub);
  return chain;
}

function isString(v: unknown, min: number, max: number): v is string {
  return typeof v === 'string' && v.length >= min && v.length <= max;
}

function isNumericDate(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Public RSA signing key as published in the JWKS. */
export interface PublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
}
