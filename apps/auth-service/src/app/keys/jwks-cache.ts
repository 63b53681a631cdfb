/**
 * How long verifiers may cache the JWKS (the `Cache-Control: max-age` of the JWKS endpoint).
 * Rotation publishes a new key at least this far ahead of its first signature
 * (`KEY_PUBLISH_AHEAD` must be ≥ this in production; see config.schema.ts).
 */
export const JWKS_MAX_AGE_SECONDS = 300;
