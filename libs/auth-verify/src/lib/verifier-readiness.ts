import { Injectable } from '@nestjs/common';
import { JwksCache } from './jwks-cache';
import { RevocationStore } from './revocation-store';

/** Readiness of token verification: keys loaded, revocations replayed, NATS in touch. */
@Injectable()
export class VerifierReadiness {
  constructor(
    private readonly jwks: JwksCache,
    private readonly store: RevocationStore,
  ) {}

  /** Named checks for a service's `/health/ready`. */
  check(): Record<string, boolean> {
    return { jwks: this.jwks.loaded, revocations: this.store.caughtUp && !this.store.stale };
  }
}
