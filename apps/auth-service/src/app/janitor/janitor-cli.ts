import type { INestApplicationContext } from '@nestjs/common';
import { parseArgs } from 'node:util';
import type { AuthConfig } from '../config/config.schema';
import { Janitor, type JanitorOptions } from './janitor.service';
import { RETENTION_RULES } from './retention-rules';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A janitor command line that cannot be run; the message says why (never a secret). */
export class JanitorUsageError extends Error {}

/** A parsed `janitor` command line. */
export type JanitorCommand = { help: true } | { help: false; options: JanitorOptions };

/**
 * Parses a duration: whole seconds, or a number with `s`, `m`, `h` or `d` (`90d`, `12h`).
 *
 * @returns seconds, or null when `text` is not a duration of at most 10 years
 */
export function parseDuration(text: string): number | null {
  const m = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (!m?.[1]) return null;
  const seconds = Number(m[1]) * (UNITS[m[2] || 's'] ?? 1);
  return seconds <= 10 * 365 * 86_400 ? seconds : null;
}

/**
 * Parses `janitor [--dry-run] [--keep-if-younger DURATION] [--help]`.
 *
 * @throws JanitorUsageError for unknown flags or a bad duration
 */
export function parseJanitorArgs(argv: string[]): JanitorCommand {
  let values: { help?: boolean; 'dry-run'?: boolean; 'keep-if-younger'?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { help: { type: 'boolean', short: 'h' }, 'dry-run': { type: 'boolean' }, 'keep-if-younger': { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new JanitorUsageError(`janitor: ${err instanceof Error ? err.message : 'bad arguments'} (see janitor --help)`);
  }
  if (values.help) return { help: true };
  const options: JanitorOptions = { dryRun: values['dry-run'] === true };
  const keep = values['keep-if-younger'];
  if (keep !== undefined) {
    const seconds = parseDuration(keep);
    if (seconds === null) throw new JanitorUsageError('janitor: --keep-if-younger takes a duration such as 3600, 90m, 12h or 30d');
    options.keepIfYoungerSeconds = seconds;
  }
  return { help: false, options };
}

/** `janitor --help`: the flags and every retention rule with its variable and current value. */
export function janitorHelp(config: AuthConfig): string {
  const rules = RETENTION_RULES.map((r) => `  ${r.name.padEnd(30)} ${r.setting}=${config[r.setting]}s: ${r.description}`);
  return [
    'usage: main.js janitor [--dry-run] [--keep-if-younger DURATION] [--help]',
    '',
    'Deletes rows the retention rules say have expired, in batches of JANITOR_BATCH_SIZE, under the',
    'advisory lock the scheduled runs use (exit 1 if another run holds it). Prints a JSON report.',
    '  --dry-run                  count what would be deleted; delete nothing',
    '  --keep-if-younger DURATION keep every row younger than DURATION (3600, 90m, 12h, 30d)',
    '',
    'rules, in order:',
    ...rules,
    '',
  ].join('\n');
}

/** Runs the janitor once in an initialised app and prints its JSON report; exit code 1 if it could not run. */
export async function janitorCommand(app: INestApplicationContext, options: JanitorOptions, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const report = await app.get(Janitor).run(options);
  out.write(JSON.stringify(report) + '\n');
  if (!report.ran) process.exitCode = 1;
}
