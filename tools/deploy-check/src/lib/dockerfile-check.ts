import { validate, ValidationSeverity } from 'dockerfile-utils';

/**
 * Lints a Dockerfile with dockerfile-utils (the validator behind the Docker language server:
 * instruction syntax, arguments, duplicate stages/CMD/HEALTHCHECK, casing, deprecated
 * MAINTAINER), every check raised to an error. hadolint is neither on npm nor in Debian.
 *
 * @returns one line per diagnostic
 */
export function lintDockerfile(name: string, content: string): string[] {
  const E = ValidationSeverity.ERROR;
  const diagnostics = validate(content, {
    deprecatedMaintainer: E,
    directiveCasing: E,
    emptyContinuationLine: E,
    instructionCasing: E,
    instructionCmdMultiple: E,
    instructionEntrypointMultiple: E,
    instructionHealthcheckMultiple: E,
    instructionJSONInSingleQuotes: E,
    instructionWorkdirRelative: E,
  });
  return diagnostics.map((d) => `${name}:${d.range.start.line + 1}: ${d.message}`);
}

export interface Instruction { keyword: string; args: string; line: number }

/** Instructions with continuation lines joined and comments dropped. */
export function dockerInstructions(content: string): Instruction[] {
  const out: Instruction[] = [];
  let buffer = '';
  let start = 0;
  content.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!buffer && (line === '' || line.startsWith('#'))) return;
    if (!buffer) start = i + 1;
    buffer += (buffer ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (line.endsWith('\\')) return;
    const m = /^(\w+)\s*(.*)$/.exec(buffer);
    if (m) out.push({ keyword: m[1].toUpperCase(), args: m[2], line: start });
    buffer = '';
  });
  return out;
}

function substituteArgs(text: string, args: Map<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a: string | undefined, b: string | undefined) => args.get(a ?? b ?? '') ?? whole);
}

/**
 * Gatehouse's rules for the service Dockerfile, as built for `app` with `buildArgs`
 * (the one parameterised Dockerfile takes `APP` and `APP_PORT`):
 * - multi-stage: the build stage runs `nx … <app>:build` and installs production dependencies
 *   only (`npm ci --omit=dev`) from the generated dist package.json;
 * - the runtime stage is a Node 20 slim or alpine image, sets NODE_ENV=production, runs as a
 *   numeric non-root USER, has a HEALTHCHECK run by node (no curl in slim images), EXPOSEs the
 *   app's port and starts `node main.js`;
 * - no ARG or ENV holds a secret-looking name.
 *
 * @returns one line per violation
 */
export function checkDockerfileRules(name: string, content: string, app: string, port: number, buildArgs: Record<string, string> = {}): string[] {
  const problems: string[] = [];
  const argDefaults = new Map(dockerInstructions(content).filter((i) => i.keyword === 'ARG').map((i) => i.args.split('=') as [string, string]));
  for (const [k, v] of Object.entries(buildArgs)) argDefaults.set(k, v);
  // Judge the file as built with these arguments: `${APP}` and `$APP` become their values.
  const all = dockerInstructions(content).map((i) => (i.keyword === 'ARG' || i.keyword === 'FROM' ? i : { ...i, args: substituteArgs(i.args, argDefaults) }));
  const froms = all.filter((i) => i.keyword === 'FROM');
  if (froms.length < 2) problems.push(`${name}: must be multi-stage (build and runtime)`);
  const lastFrom = froms[froms.length - 1];
  const runtime = all.filter((i) => lastFrom && i.line >= lastFrom.line);
  const build = all.filter((i) => !lastFrom || i.line < lastFrom.line);
  const baseImage = (lastFrom?.args.split(/\s+/)[0] ?? '').replace(/^\$\{?(\w+)\}?$/, (_, v: string) => argDefaults.get(v) ?? '');
  if (!/^node:20(\.\d+)*-(bookworm-slim|slim|alpine[\d.]*)$/.test(baseImage)) problems.push(`${name}: runtime base must be node:20 slim or alpine, is "${baseImage}"`);
  if (!build.some((i) => i.keyword === 'RUN' && i.args.includes('nx') && i.args.includes(`${app}:build`))) problems.push(`${name}: build stage must run the Nx build of ${app}`);
  if (!build.some((i) => i.keyword === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args))) problems.push(`${name}: build stage must prune to production dependencies (npm ci --omit=dev)`);
  if (!runtime.some((i) => i.keyword === 'ENV' && /\bNODE_ENV=production\b/.test(i.args))) problems.push(`${name}: runtime must set NODE_ENV=production`);
  const user = runtime.filter((i) => i.keyword === 'USER').pop();
  if (!user || !/^[1-9]\d*(:[1-9]\d*)?$/.test(user.args.trim())) problems.push(`${name}: runtime must switch to a numeric non-root USER`);
  const health = runtime.find((i) => i.keyword === 'HEALTHCHECK');
  if (!health || !/CMD\s+\[\s*"node"/.test(health.args)) problems.push(`${name}: runtime needs a HEALTHCHECK run by node`);
  if (!runtime.some((i) => i.keyword === 'EXPOSE' && i.args.split(/\s+/).includes(String(port)))) problems.push(`${name}: runtime must EXPOSE ${port}`);
  const cmd = runtime.filter((i) => i.keyword === 'CMD').pop();
  if (!cmd || !/^\[\s*"node",\s*"main\.js"\s*\]$/.test(cmd.args)) problems.push(`${name}: runtime must run ["node", "main.js"]`);
  for (const i of all.filter((x) => x.keyword === 'ARG' || x.keyword === 'ENV')) {
    if (/SECRET|PASSWORD|KEY_ENCRYPTION|TOKEN|PRIVATE|CREDENTIAL/i.test(i.args)) problems.push(`${name}:${i.line}: no secrets in ${i.keyword}`);
  }
  return problems;
}
