import { OIDC_SCOPES, SCOPE_TOKEN } from '@gatehouse/contracts';

/** One audience a client may exchange a user's token for, and on what terms. */
export interface ExchangeTarget {
  /** The audience of the issued token (a registered resource audience). */
  audience: string;
  /** Scopes the client may obtain there (at most these; a request may narrow them). */
  scopes: string[];
  /** Scopes the subject token must carry for this exchange (the user must have granted them). */
  subjectScopes: string[];
}

/**
 * A client's token-exchange policy (RFC 8693), stored with the client: subject tokens must be
 * addressed to `subjectAudience` (the service this client runs), and may be exchanged only for
 * the listed targets. No policy, no exchange.
 */
export interface ExchangePolicy {
  subjectAudience: string;
  targets: ExchangeTarget[];
}

type Issue = { path: string; message: string };

const MAX_TARGETS = 16;
const MAX_SCOPES = 32;
const RULE = /^\s*([a-z][a-z0-9._-]{0,63})\s*=\s*([^]*?)\s*$/;

/**
 * Checks a policy against the registered resource audiences; pushes every problem to `issues`.
 *
 * @returns the normalised policy (de-duplicated scopes), or null for none
 */
export function checkExchangePolicy(policy: ExchangePolicy | null | undefined, resourceAudiences: readonly string[], issues: Issue[]): ExchangePolicy | null {
  if (!policy) return null;
  const path = 'token_exchange';
  if (!resourceAudiences.includes(policy.subjectAudience)) issues.push({ path: `${path}.subject_audience`, message: `must be a registered resource audience (${resourceAudiences.join(', ')})` });
  if (policy.targets.length === 0 || policy.targets.length > MAX_TARGETS) issues.push({ path: `${path}.targets`, message: `1 to ${MAX_TARGETS} targets` });
  const seen = new Set<string>();
  const targets = policy.targets.map((t, i) => {
    const at = `${path}.targets.${i}`;
    if (!resourceAudiences.includes(t.audience)) issues.push({ path: `${at}.audience`, message: `must be a registered resource audience (${resourceAudiences.join(', ')})` });
    if (t.audience === policy.subjectAudience) issues.push({ path: `${at}.audience`, message: 'must differ from subject_audience' });
    if (seen.has(t.audience)) issues.push({ path: `${at}.audience`, message: 'each audience once' });
    seen.add(t.audience);
    const scopes = [...new Set(t.scopes)];
    const subjectScopes = [...new Set(t.subjectScopes)];
    if (scopes.length === 0 || scopes.length > MAX_SCOPES || !scopes.every((s) => SCOPE_TOKEN.test(s))) issues.push({ path: `${at}.scope`, message: `1 to ${MAX_SCOPES} scope tokens` });
    if (scopes.some((s) => (OIDC_SCOPES as readonly string[]).includes(s))) issues.push({ path: `${at}.scope`, message: 'OpenID scopes cannot be exchanged for' });
    if (subjectScopes.length > MAX_SCOPES || !subjectScopes.every((s) => SCOPE_TOKEN.test(s))) issues.push({ path: `${at}.subject_scope`, message: `at most ${MAX_SCOPES} scope tokens` });
    return { audience: t.audience, scopes, subjectScopes };
  });
  return { subjectAudience: policy.subjectAudience, targets };
}

/**
 * Parses one target in the text form the CLI (`--exchange`) and the admin form use:
 * `AUDIENCE=SCOPE… [requires SCOPE…]`, e.g. `inventory=inventory:reserve requires orders:write`.
 *
 * @returns the target, or null when the text does not have that shape (validation comes later)
 */
export function parseExchangeTarget(text: string): ExchangeTarget | null {
  const m = RULE.exec(text);
  if (!m) return null;
  const [granted, required = '', extra] = (m[2] ?? '').split(/\s+requires\s+|\s+requires$/);
  if (extra !== undefined) return null;
  const words = (s: string) => s.split(/\s+/).filter(Boolean);
  return { audience: m[1] as string, scopes: words(granted ?? ''), subjectScopes: words(required) };
}

/** The text form of a target ({@link parseExchangeTarget} reads it back). */
export function formatExchangeTarget(t: ExchangeTarget): string {
  return `${t.audience}=${t.scopes.join(' ')}${t.subjectScopes.length > 0 ? ` requires ${t.subjectScopes.join(' ')}` : ''}`;
}
