import type { VerifierOptions } from '../core/verifier-options';

/** Options of `AuthVerifyModule.forRoot`: those of the core verifier. */
export type AuthVerifyOptions = VerifierOptions;

/** Injection token: the name this module instance registered its passport-jwt strategy under. */
export const AUTH_VERIFY_STRATEGY = Symbol('AUTH_VERIFY_STRATEGY');
