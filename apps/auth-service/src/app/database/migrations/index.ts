import { Initial1763900000000 } from './1763900000000-initial';
import { RefreshOutboxAudit1763900100000 } from './1763900100000-refresh-outbox-audit';
import { LoginThrottle1763900200000 } from './1763900200000-login-throttle';
import { RevokedTokens1763900250000 } from './1763900250000-revoked-tokens';
import { WebSessions1763900400000 } from './1763900400000-web-sessions';
import { OutboxNotifyPayload1763900500000 } from './1763900500000-outbox-notify-payload';
import { OpenIdProvider1764000000000 } from './1764000000000-openid-provider';
import { RetentionIndexes1764100000000 } from './1764100000000-retention-indexes';
import { OpenIdRetention1764100100000 } from './1764100100000-openid-retention';
import { TokenExchange1764200000000 } from './1764200000000-token-exchange';
import { SecondFactors1764300000000 } from './1764300000000-second-factors';
import { OutboxStreamSeq1764400000000 } from './1764400000000-outbox-stream-seq';

/** Every migration, in order. Listed explicitly because the app is bundled (no globbing at run time). */
export const MIGRATIONS = [
  Initial1763900000000, RefreshOutboxAudit1763900100000, LoginThrottle1763900200000, RevokedTokens1763900250000, WebSessions1763900400000, OutboxNotifyPayload1763900500000,
  OpenIdProvider1764000000000, RetentionIndexes1764100000000, OpenIdRetention1764100100000,
  TokenExchange1764200000000,
  SecondFactors1764300000000,
  OutboxStreamSeq1764400000000,
];
