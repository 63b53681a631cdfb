import { loadConfig } from '../config/load-config';
import { janitorHelp, JanitorUsageError, parseDuration, parseJanitorArgs } from './janitor-cli';
import { RETENTION_RULES } from './retention-rules';

describe('janitor command line', () => {
  it('parses durations in seconds, minutes, hours and days, and refuses anything else', () => {
    expect(parseDuration('3600')).toBe(3600);
    expect(parseDuration('90m')).toBe(5400);
    expect(parseDuration('12h')).toBe(43_200);
    expect(parseDuration('30d')).toBe(2_592_000);
    for (const bad of ['', '-1', '1.5h', '3w', '1e3', 'd', '12 h', '99999999999', '4000d']) expect(parseDuration(bad)).toBeNull();
  });

  it('parses --dry-run, --keep-if-younger and --help; unknown flags and bad durations are usage errors', () => {
    expect(parseJanitorArgs([])).toEqual({ help: false, options: { dryRun: false } });
    expect(parseJanitorArgs(['--dry-run', '--keep-if-younger', '7d'])).toEqual({ help: false, options: { dryRun: true, keepIfYoungerSeconds: 604_800 } });
    expect(parseJanitorArgs(['--keep-if-younger=1h'])).toEqual({ help: false, options: { dryRun: false, keepIfYoungerSeconds: 3600 } });
    expect(parseJanitorArgs(['--help'])).toEqual({ help: true });
    expect(() => parseJanitorArgs(['--force'])).toThrow(JanitorUsageError);
    expect(() => parseJanitorArgs(['now'])).toThrow(JanitorUsageError);
    expect(() => parseJanitorArgs(['--keep-if-younger', 'soon'])).toThrow(/--keep-if-younger takes a duration/);
    expect(() => parseJanitorArgs(['--keep-if-younger'])).toThrow(JanitorUsageError);
  });

  it('--help names every rule with its variable and current value', () => {
    const help = janitorHelp(loadConfig({ RETENTION_AUDIT_LOG: '172800' }));
    for (const rule of RETENTION_RULES) expect(help).toContain(rule.name);
    expect(help).toContain('RETENTION_AUDIT_LOG=172800s');
    expect(help).toMatch(/--dry-run/);
  });
});
