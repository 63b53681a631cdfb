import { fmt } from './lib/stats';
import { ROW8_LABELS, ROW8_VERIFIERS, type PeersResult } from './rows/peers';

const ok = (pass: boolean) => (pass ? '**met**' : '**missed**');

/** The Method paragraph of row 8. */
export function peersMethod(runs: number, coldTokens: number, warmTokens: number): string {
  return `- **Row 8** — the verifiers side by side in one run, each in its own process on the same JWKS and tokens (as in row 1): ours as the Nest module (the row-1 service), the Express middleware and the Fastify plugin, and the ways teams verify today: @fastify/jwt + get-jwks, @nestjs/passport + passport-jwt + jwks-rsa (the NestJS docs' way, here on Nest's Fastify platform like ours), Express 5 + express-oauth2-jwt-bearer. Every one serves \`GET /orders\` requiring \`orders:read\`. *Warm*: ${warmTokens} tokens reused; *cold*: ${fmt(coldTokens)} requests with never-seen tokens. Within a run every verifier gets the same never-seen tokens (each is its own process with its own cache); every run has new ones. ${runs} ${runs === 1 ? 'run' : 'runs'}, the order of the verifiers reversed every other run (ABBA); medians. *Ahead* compares ours in each framework with the peers in the same framework (Nest: passport-jwt; Fastify: @fastify/jwt; Express: express-oauth2-jwt-bearer). Only ours know revocations.`;
}

/** Row 8 in the results table: ours ahead of every peer, warm and cold. */
export function peersRows(peers: PeersResult | undefined): string[] {
  if (!peers) return [];
  const v = peers.verifiers;
  const line = (w: 'warm' | 'cold') => ROW8_VERIFIERS.map((k) => `${k} ${fmt(v[k][w].rps)}`).join(', ');
  return [
    `| 8 | verifiers side by side, warm rps | ${line('warm')} | ours ahead in every framework | ${ok(peers.oursAhead.warm)} |`,
    `| 8 | verifiers side by side, cold rps | ${line('cold')} | ours ahead in every framework | ${ok(peers.oursAhead.cold)} |`,
  ];
}

/** Row 8 details: rps and p99 per verifier. */
export function peersDetails(peers: PeersResult | undefined): string[] {
  if (!peers) return [];
  const out = ['### Row 8 — verifiers side by side (medians)', '', '| verifier | warm rps | warm p99 ms | cold rps | cold p99 ms | knows revocations |', '|---|---|---|---|---|---|'];
  for (const k of ROW8_VERIFIERS) {
    const r = peers.verifiers[k];
    out.push(`| ${ROW8_LABELS[k].label} | ${fmt(r.warm.rps)} | ${fmt(r.warm.p99)} | ${fmt(r.cold.rps)} | ${fmt(r.cold.p99)} | ${ROW8_LABELS[k].ours ? 'yes' : 'no'} |`);
  }
  out.push('');
  return out;
}
