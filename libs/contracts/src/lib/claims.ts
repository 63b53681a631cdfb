import { z } from 'zod';

/** JOSE header `typ` of Gatehouse access tokens (RFC 9068). */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** The only signing algorithm Gatehouse issues or accepts. */
export const ACCESS_TOKEN_ALG = 'RS256';

/** Longest access-token lifetime the platform allows, in seconds. */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 3600;

const numericDate = z.number().int().nonnegative();

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
});

/** Verified access-token claims. `sid` is present for user tokens only. */
export type AccessTokenClaims = z.infer<typeof accessTokenClaimsSchema>;

/** Public RSA signing key as published in the JWKS. */
export interface PublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
}
