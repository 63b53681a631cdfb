import { GatehouseVerifier } from './gatehouse-verifier';
import type { VerifierOptions } from './verifier-options';

/** What an adapter is given: options for a verifier it owns, or a verifier the caller owns (shared, started and stopped by the caller). */
export type VerifierSource = VerifierOptions | { verifier: GatehouseVerifier };

/**
 * The verifier of `source` and whether the adapter owns it (and so starts and stops it).
 *
 * @throws Error naming a missing or malformed option
 */
export function verifierFrom(source: VerifierSource): { verifier: GatehouseVerifier; owned: boolean } {
  if ('verifier' in source) {
    if (!(source.verifier instanceof GatehouseVerifier)) throw new Error('auth-verify: verifier must be a GatehouseVerifier');
    return { verifier: source.verifier, owned: false };
  }
  return { verifier: new GatehouseVerifier(source), owned: true };
}
