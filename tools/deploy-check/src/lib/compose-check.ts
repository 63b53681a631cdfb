import Ajv from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { dockerInstructions } from './dockerfile-check';
import { isObject, type JsonObject } from './k8s-object';

const load = createRequire(__filename);

/**
 * Validates a parsed compose file against the Compose Specification JSON schema, the copy
 * that npm `dclint` ships (schemas/compose.schema.json): unknown keys, wrong types and bad
 * `depends_on` conditions fail.
 *
 * @returns one line per schema error
 */
export function validateComposeSchema(doc: unknown): string[] {
  const schemaFile = join(dirname(load.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as JsonObject;
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, validateFormats: false });
  const validate = ajv.compile(schema);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `compose ${e.instancePath || '/'}: ${e.message ?? 'invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params['additionalProperty'])})` : ''}`);
}

type Service = JsonObject;

/** Whether a service's image declares a HEALTHCHECK in the Dockerfile it is built from. */
function dockerfileHasHealthcheck(root: string, svc: Service): boolean {
  const build = svc['build'];
  if (!isObject(build) || typeof build['dockerfile'] !== 'string') return false;
  const file = join(root, String(build['context'] ?? '.'), build['dockerfile']);
  return existsSync(file) && dockerInstructions(readFileSync(file, 'utf8')).some((i) => i.keyword === 'HEALTHCHECK' && /\bCMD\b/.test(i.args));
}

/** KEY=VALUE lines of an env file. */
export function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

const SECRET_NAME = /SECRET|PASSWORD|KEY_ENCRYPTION_KEY|_TOKEN$|PRIVATE/;

/**
 * Gatehouse's rules for docker-compose.yml:
 * - every service: read_only, cap_drop ALL, no-new-privileges, a tmpfs /tmp;
 * - every depends_on is the long form with service_healthy or service_completed_successfully,
 *   and a service_healthy target has a healthcheck (in compose or in its Dockerfile);
 * - postgres and nats keep data in named volumes; nats runs JetStream (-js) with a healthcheck
 *   on the monitoring port 8222; a one-shot service runs `seed` and auth-service waits for it;
 * - published ports bind to 127.0.0.1; env files exist, and any env file holding a
 *   secret-looking variable is marked DEVELOPMENT ONLY; no secret value in `environment:`.
 *
 * @returns one line per violation
 */
export function checkComposeRules(doc: unknown, root: string): string[] {
  const problems: string[] = [];
  const services = isObject(doc) && isObject(doc['services']) ? (doc['services'] as Record<string, Service>) : {};
  for (const [name, svc] of Object.entries(services)) {
    const where = `compose service ${name}`;
    if (svc['read_only'] !== true) problems.push(`${where}: read_only must be true`);
    if (!Array.isArray(svc['cap_drop']) || !svc['cap_drop'].includes('ALL')) problems.push(`${where}: cap_drop must include ALL`);
    const secOpt = Array.isArray(svc['security_opt']) ? svc['security_opt'].map(String) : [];
    if (!secOpt.some((o) => /^no-new-privileges(:true)?$/.test(o))) problems.push(`${where}: security_opt must include no-new-privileges`);
    const tmpfs = Array.isArray(svc['tmpfs']) ? svc['tmpfs'].map(String) : typeof svc['tmpfs'] === 'string' ? [svc['tmpfs']] : [];
    if (!tmpfs.some((t) => t === '/tmp' || t.startsWith('/tmp:'))) problems.push(`${where}: needs tmpfs /tmp`);
    for (const port of Array.isArray(svc['ports']) ? svc['ports'].map(String) : []) {
      if (!port.startsWith('127.0.0.1:')) problems.push(`${where}: port ${port} must bind to 127.0.0.1`);
    }
    const deps = svc['depends_on'];
    if (Array.isArray(deps)) problems.push(`${where}: depends_on must use the long form with a condition`);
    for (const [dep, how] of Object.entries(isObject(deps) ? deps : {})) {
      const condition = isObject(how) ? how['condition'] : undefined;
      if (condition !== 'service_healthy' && condition !== 'service_completed_successfully') problems.push(`${where}: depends_on ${dep} needs condition service_healthy or service_completed_successfully`);
      const target = services[dep];
      if (!target) problems.push(`${where}: depends_on unknown service ${dep}`);
      else if (condition === 'service_healthy' && !isObject(target['healthcheck']) && !dockerfileHasHealthcheck(root, target)) problems.push(`${where}: ${dep} has no healthcheck to wait for`);
    }
    const env = isObject(svc['environment']) ? svc['environment'] : {};
    for (const key of Object.keys(env)) if (SECRET_NAME.test(key)) problems.push(`${where}: secret ${key} belongs in an env file under deploy/, not in environment`);
    for (const file of Array.isArray(svc['env_file']) ? svc['env_file'].map(String) : typeof svc['env_file'] === 'string' ? [svc['env_file']] : []) {
      const path = join(root, file);
      if (!existsSync(path)) {
        problems.push(`${where}: env_file ${file} does not exist`);
        continue;
      }
      const hasSecret = Object.keys(readEnvFile(path)).some((k) => SECRET_NAME.test(k));
      if (hasSecret && !readFileSync(path, 'utf8').includes('DEVELOPMENT ONLY')) problems.push(`${file}: holds secrets but is not marked DEVELOPMENT ONLY`);
    }
  }
  problems.push(...checkInfrastructure(services, root));
  return problems;
}

function checkInfrastructure(services: Record<string, Service>, root: string): string[] {
  const problems: string[] = [];
  for (const name of ['postgres', 'nats']) {
    const svc = services[name];
    if (!svc) {
      problems.push(`compose: no ${name} service`);
      continue;
    }
    const volumes = Array.isArray(svc['volumes']) ? svc['volumes'].map(String) : [];
    if (!volumes.some((v) => /^[a-z][\w-]*:\//.test(v))) problems.push(`compose service ${name}: data must live in a named volume`);
    if (!isObject(svc['healthcheck'])) problems.push(`compose service ${name}: needs a healthcheck`);
  }
  const natsCommand = JSON.stringify(services['nats']?.['command'] ?? '');
  // JetStream by flag, or in the configuration file it is started with (deploy/nats/nats.conf).
  const conf = /"-c","\/etc\/nats\/([\w.-]+)"/.exec(natsCommand)?.[1];
  const confText = conf && existsSync(join(root, 'deploy/nats', conf)) ? readFileSync(join(root, 'deploy/nats', conf), 'utf8') : '';
  if (!natsCommand.includes('-js') && !/^\s*jetstream\s*\{/m.test(confText)) problems.push('compose service nats: JetStream (-js) is not enabled');
  if (!JSON.stringify(services['nats']?.['healthcheck'] ?? '').includes(':8222/')) problems.push('compose service nats: healthcheck must use the monitoring port 8222');
  const seed = Object.entries(services).find(([, s]) => JSON.stringify(s['command'] ?? '').includes('"seed"'));
  if (!seed) problems.push('compose: no one-shot seed service');
  else {
    if (seed[1]['restart'] !== 'no') problems.push(`compose service ${seed[0]}: a one-shot service needs restart: "no"`);
    const waits = (services['auth-service']?.['depends_on'] as JsonObject | undefined)?.[seed[0]];
    if (!isObject(waits) || waits['condition'] !== 'service_completed_successfully') problems.push(`compose service auth-service: must wait for ${seed[0]} (service_completed_successfully)`);
  }
  return problems;
}
