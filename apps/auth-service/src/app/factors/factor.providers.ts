import type { Provider } from '@nestjs/common';
import { AuthChallenges } from './auth-challenges.service';
import { Factors } from './factors.service';
import { Passkeys } from './passkeys.service';
import { SecondFactorCheck } from './second-factor.service';

/** Providers of second factors: TOTP, recovery codes, passkeys, sign-in challenges. */
export const FACTOR_PROVIDERS: Provider[] = [Factors, AuthChallenges, SecondFactorCheck, Passkeys];
