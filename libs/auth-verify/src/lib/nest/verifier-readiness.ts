import { Inject, Injectable } from '@nestjs/common';
import { GatehouseVerifier, type VerifierReadinessChecks } from '../core/gatehouse-verifier';

/** Readiness of token verification: keys loaded, revocations replayed, NATS in touch. */
@Injectable()
export class VerifierReadiness {
  constructor(@Inject(GatehouseVerifier) private readonly verifier: GatehouseVerifier) {}

  /** Named checks for a service's `/health/ready`. */
  check(): VerifierReadinessChecks {
    return this.verifier.readiness();
  }
}
