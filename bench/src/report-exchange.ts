import { fmt } from './lib/stats';
import type { ExchangeResult } from './rows/exchange';

/** The Method paragraph of row 11. */
export function exchangeMethod(runs: number, loadS: number, connections: number, users: number): string {
  return `- **Row 11** — \`POST /oauth/token grant_type=urn:ietf:params:oauth:grant-type:token-exchange\` (RFC 8693; Basic client auth, a user's access token as \`subject_token\`, \`audience=inventory\`, within the client's exchange policy) against auth-service (1 process), then \`client_credentials\` for the same client, back to back, ${loadS} s each at ${connections} connections, ${runs} ${runs === 1 ? 'run' : 'runs'}, medians. An exchange does what client_credentials does (client authentication, one RS256 signature on the libuv pool) plus verifying the subject token and one Postgres statement that checks its liveness (session, user, token and every client of the chain) and, only if live, writes the audit row — while the signature is computed. Cache: ${users} signed-in users each place a geometric number of orders (mean 3, seeded), all orders shuffled into one stream and sent ${16} at a time through one \`ServiceTokenClient.exchange(userToken, 'inventory', 'inventory:reserve')\` — what orders-service does per order — against the same auth-service; the hit ratio is the client's own count (hits include callers that joined an exchange in flight).`;
}

/** Row 11 in the results table. */
export function exchangeRows(x: ExchangeResult | undefined): string[] {
  if (!x) return [];
  const m = x.median;
  const o = x.orders;
  return [
    `| 11 | token exchanges/s (RFC 8693), 1 process | **${fmt(m.exchange.rps)}/s** (p50 ${fmt(m.exchange.p50)} ms, p99 ${fmt(m.exchange.p99)} ms); ${fmt(m.ratio)}× client_credentials (${fmt(m.clientCredentials.rps)}/s) | report | |`,
    `| 11 | service-token-client exchange cache under an order load (${o.orders} orders of ${o.users} users, ${o.concurrency} at a time) | hit ratio **${fmt(o.hitRatio * 100, 3)} %**; ${fmt(o.exchangesPerOrder)} exchanges per order; ${o.failed} failed | report | |`,
  ];
}

/** Row 11 details: per run. */
export function exchangeDetails(x: ExchangeResult | undefined): string[] {
  if (!x) return [];
  const out = ['### Row 11 — token exchange (per run)', '', '| run | exchanges/s | p50 / p99 ms | client_credentials/s | p50 / p99 ms |', '|---|---|---|---|---|'];
  x.runs.forEach((r, k) => out.push(`| ${k + 1} | ${fmt(r.exchange.rps)} | ${fmt(r.exchange.p50)} / ${fmt(r.exchange.p99)} | ${fmt(r.clientCredentials.rps)} | ${fmt(r.clientCredentials.p50)} / ${fmt(r.clientCredentials.p99)} |`));
  const o = x.orders;
  out.push('', `Order load: ${o.orders} orders, ${o.hits} cache hits, ${o.misses} exchanges sent, ${fmt(o.ordersPerSecond)} orders/s through the client (exchange only, no reservation). One exchange per user token is the least possible, so the best ratio is 1 − users ÷ orders = ${fmt((1 - o.users / o.orders) * 100, 3)} %; it rises with the orders a user places within a token's lifetime.`, '');
  return out;
}
