import type { Profile } from '../lib/profile';
import { fmt } from '../lib/stats';
import { GROWING_TABLES } from './storage-history';
import type { StorageResult } from './storage';

const TARGET_RATIO = 1.1;
/** Counts: whole numbers with grouping. */
const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** Row 10's line in the report's Method section. */
export function storageMethod(p: Profile): string {
  return (
    `- **Row 10** — two auth-services side by side, each on its own database: one empty, one holding ${p.storageDays} days of traffic for ${int(p.storageUsers)} users written in bulk ` +
    `(per user and day: an API session rotated hourly ${p.storageRotationsPerDay}×, 70 % logged out, the rest left to idle out; a web session, half logged out; audit rows for logins and logouts; ` +
    'a published outbox row per logout; an unknown-e-mail failed login for one user in six; a revoked access token for one in ten; timestamps as that traffic would have left them). ' +
    `Login and refresh latency (${p.storageSamples} sequential logins, then ${p.storageSamples * 4} sequential rotations of one chain) are measured on both in ABBA order; ` +
    'then `main.js janitor` (default retention) runs on the full database while two clients log in back to back, and the growing tables are measured before and after (rows, `pg_total_relation_size`).'
  );
}

/** Row 10's lines in the results table. */
export function storageSummary(s: StorageResult | undefined): string[] {
  if (!s) return [];
  const total = (side: 'before' | 'after') => GROWING_TABLES.reduce((sum, t) => sum + (s[side][t]?.rows ?? 0), 0);
  const mib = (side: 'before' | 'after') => GROWING_TABLES.reduce((sum, t) => sum + (s[side][t]?.mib ?? 0), 0);
  const met = s.loginRatio <= TARGET_RATIO && s.refreshRatio <= TARGET_RATIO;
  return [
    `| 10 | ${s.days} days of history for ${int(s.users)} users: rows (size) of the growing tables before → after the janitor | ${int(total('before'))} (${fmt(mib('before'))} MiB) → **${int(total('after'))}** (${fmt(mib('after'))} MiB) | report | |`,
    `| 10 | janitor throughput while two clients log in | **${fmt(s.janitor.rowsPerSecond)} rows/s** (${int(s.janitor.rows)} rows in ${fmt(s.janitor.seconds, 1)} s); ${int(s.duringJanitor.logins)} logins while the command ran (its boot included), p99 ${fmt(s.duringJanitor.p99Ms)} ms | report | |`,
    `| 10 | login / refresh p99 with the full history ÷ on an empty database | **${fmt(s.loginRatio)}× / ${fmt(s.refreshRatio)}×** (${fmt(s.full.loginP99Ms)} vs ${fmt(s.empty.loginP99Ms)} ms; ${fmt(s.full.refreshP99Ms)} vs ${fmt(s.empty.refreshP99Ms)} ms) | ≤ ${fmt(TARGET_RATIO)}× | ${met ? '**met**' : '**missed**'} |`,
  ];
}

/** Row 10's per-table details. */
export function storageDetails(s: StorageResult | undefined): string[] {
  if (!s) return [];
  const out = ['### Row 10 — a simulated month and the janitor', '', `History written in ${fmt(s.historyWriteS, 1)} s. Rows deleted per rule: ${Object.entries(s.janitor.byRule).map(([k, v]) => `${k} ${int(v)}`).join(', ')}.`, ''];
  out.push('| table | rows before | rows after | MiB before | MiB after |', '|---|---|---|---|---|');
  for (const t of GROWING_TABLES) {
    const b = s.before[t];
    const a = s.after[t];
    out.push(`| ${t} | ${int(b?.rows ?? 0)} | ${int(a?.rows ?? 0)} | ${fmt(b?.mib ?? 0)} | ${fmt(a?.mib ?? 0)} |`);
  }
  out.push('', '| database | login p50 / p99 ms | refresh p50 / p99 ms |', '|---|---|---|');
  out.push(`| empty | ${fmt(s.empty.loginP50Ms)} / ${fmt(s.empty.loginP99Ms)} | ${fmt(s.empty.refreshP50Ms)} / ${fmt(s.empty.refreshP99Ms)} |`);
  out.push(`| full history | ${fmt(s.full.loginP50Ms)} / ${fmt(s.full.loginP99Ms)} | ${fmt(s.full.refreshP50Ms)} / ${fmt(s.full.refreshP99Ms)} |`);
  out.push('', 'The sizes after are of the same tables before VACUUM gives the space back to Postgres for reuse (the janitor leaves that to autovacuum); what stays flat is the row count.', '');
  return out;
}
