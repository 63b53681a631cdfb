import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { containersOf, isObject, podSpecOf, type JsonObject, type K8sObject } from './k8s-object';

/** The services that connect to NATS, each as its own NATS user. */
export const NATS_SERVICES = ['auth-service', 'orders-service', 'inventory-service'] as const;
/** The shipped authorization configuration (accounts, users, permissions). */
export const NATS_AUTH_CONF = 'deploy/nats/gatehouse-auth.conf';

interface NatsUser {
  user: string;
  passwordVar: string | null;
  permissions: string;
}

/** The users of a gatehouse-auth.conf: `{ user: X, password: $VAR, permissions: $SET }` entries. */
export function natsUsers(conf: string): NatsUser[] {
  return [...conf.matchAll(/\{\s*user:\s*([\w.-]+),\s*password:\s*(\S+?),\s*permissions:\s*\$?(\w+)\s*\}/g)].map((m) => ({
    user: m[1] ?? '',
    passwordVar: /^\$(\w+)$/.exec(m[2] ?? '')?.[1] ?? null,
    permissions: m[3] ?? '',
  }));
}

/** The subjects a permission set (`NAME = { publish: { allow: [...] } ... }`) allows publishing to. */
function publishAllowed(conf: string, set: string): string[] {
  const block = new RegExp(`^${set}\\s*=\\s*\\{([\\s\\S]*?)\\n\\}`, 'm').exec(conf)?.[1] ?? '';
  const publish = /publish:\s*\{\s*allow:\s*\[([\s\S]*?)\]/.exec(block)?.[1] ?? '';
  return [...publish.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? '');
}

/**
 * Rules for the shipped NATS authorization: no anonymous access (no `no_auth_user`, no
 * `authorization` token), one user per service, every password from the environment, verifiers
 * may publish nothing under the event prefix or the fast path and cannot manage the stream.
 */
export function checkNatsAuthConf(text: string): string[] {
  const problems: string[] = [];
  const conf = text.replace(/#.*$/gm, ''); // comments may name what is forbidden
  if (/no_auth_user/.test(conf)) problems.push('NATS: no_auth_user allows anonymous connections');
  if (/^\s*authorization\s*\{/m.test(conf)) problems.push('NATS: use per-service users in an account, not a shared authorization block');
  const users = natsUsers(conf);
  const names = users.map((u) => u.user).sort();
  if (JSON.stringify(names) !== JSON.stringify([...NATS_SERVICES].sort())) problems.push(`NATS: expected one user per service (${NATS_SERVICES.join(', ')}), found ${names.join(', ') || 'none'}`);
  for (const u of users) {
    if (!u.passwordVar) problems.push(`NATS user ${u.user}: the password must come from the environment ($VAR), never the file`);
    const allowed = publishAllowed(conf, u.permissions);
    if (allowed.length === 0) problems.push(`NATS user ${u.user}: no publish allow-list (everything would be allowed)`);
    if (allowed.some((s) => /STREAM\.(PURGE|DELETE)|^>$|^\$JS\.API\.>$/.test(s))) problems.push(`NATS user ${u.user}: may purge or delete the stream`);
    if (u.user !== 'auth-service' && allowed.some((s) => /^(gatehouse|_gh_fast)[.>]|STREAM\.(CREATE|UPDATE|MSG\.DELETE)/.test(s))) {
      problems.push(`NATS user ${u.user}: a verifier may publish events or edit the stream`);
    }
  }
  return problems;
}

/** The compose services' NATS users and passwords match the server's users (deploy/compose/nats.env). */
export function checkComposeNats(services: Record<string, JsonObject>, env: (service: string) => Record<string, string>, root: string): string[] {
  const problems: string[] = [];
  const nats = services['nats'] ?? {};
  const volumes = Array.isArray(nats['volumes']) ? nats['volumes'].map(String) : [];
  if (!JSON.stringify(nats['command'] ?? '').includes('/etc/nats/nats.conf') || !volumes.includes('./deploy/nats:/etc/nats:ro')) {
    problems.push('compose service nats: must run with the shipped configuration (-c /etc/nats/nats.conf from ./deploy/nats)');
  }
  if (!readFileSync(join(root, 'deploy/nats/nats.conf'), 'utf8').includes('include ./gatehouse-auth.conf')) problems.push('deploy/nats/nats.conf: does not include gatehouse-auth.conf');
  const serverEnv = env('nats');
  const users = natsUsers(readFileSync(join(root, NATS_AUTH_CONF), 'utf8'));
  for (const svc of [...NATS_SERVICES, 'seed']) {
    const user = svc === 'seed' ? 'auth-service' : svc;
    const e = env(svc);
    if (e['NATS_USER'] !== user) problems.push(`compose service ${svc}: NATS_USER must be ${user}`);
    const passwordVar = users.find((u) => u.user === user)?.passwordVar ?? '';
    if (!e['NATS_PASSWORD'] || e['NATS_PASSWORD'] !== serverEnv[passwordVar]) problems.push(`compose service ${svc}: NATS_PASSWORD must equal nats's ${passwordVar}`);
  }
  return problems;
}

function envOf(obj: K8sObject): JsonObject[] {
  const pod = podSpecOf(obj);
  return pod ? containersOf(pod).flatMap(({ container }) => (Array.isArray(container['env']) ? (container['env'] as JsonObject[]) : [])) : [];
}

function secretRef(env: JsonObject[], name: string): { name?: unknown; key?: unknown } | null {
  const entry = env.find((e) => e['name'] === name);
  const ref = isObject(entry?.['valueFrom']) ? (entry['valueFrom'] as JsonObject)['secretKeyRef'] : undefined;
  return isObject(ref) ? ref : null;
}

/**
 * Kubernetes: nats-config carries a byte-identical copy of the shipped authorization file and
 * includes it; the NATS pods take every password from the Secret gatehouse-nats; each service
 * connects as its own user with its own key of that Secret.
 */
export function checkK8sNats(objects: K8sObject[], root: string): string[] {
  const problems: string[] = [];
  const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'nats-config');
  const data = (config?.['data'] ?? {}) as Record<string, string>;
  const shipped = readFileSync(join(root, NATS_AUTH_CONF), 'utf8');
  if (data['gatehouse-auth.conf'] !== shipped) problems.push(`ConfigMap/nats-config: gatehouse-auth.conf differs from ${NATS_AUTH_CONF}`);
  if (!String(data['nats.conf'] ?? '').includes('include ./gatehouse-auth.conf')) problems.push('ConfigMap/nats-config: nats.conf does not include gatehouse-auth.conf');
  const natsSts = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'nats');
  for (const u of natsUsers(shipped)) {
    const ref = natsSts ? secretRef(envOf(natsSts), u.passwordVar ?? '') : null;
    if (ref?.name !== 'gatehouse-nats' || ref.key !== `${u.user}-password`) problems.push(`StatefulSet/nats: ${u.passwordVar ?? u.user} must come from Secret gatehouse-nats, key ${u.user}-password`);
  }
  for (const svc of NATS_SERVICES) {
    const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === svc);
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${svc}-config`);
    if ((cm?.['data'] as Record<string, string> | undefined)?.['NATS_USER'] !== svc) problems.push(`ConfigMap/${svc}-config: NATS_USER must be ${svc}`);
    const ref = dep ? secretRef(envOf(dep), 'NATS_PASSWORD') : null;
    if (ref?.name !== 'gatehouse-nats' || ref.key !== `${svc}-password`) problems.push(`Deployment/${svc}: NATS_PASSWORD must come from Secret gatehouse-nats, key ${svc}-password`);
  }
  return problems;
}

/** Prod: NATS speaks TLS (cert-manager certificate), every service uses tls:// URLs and verifies the server against the CA. */
export function checkProdNatsTls(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const conf = String(((objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'nats-config')?.['data'] ?? {}) as Record<string, string>)['nats.conf'] ?? '');
  if (!/^tls\s*\{[^}]*cert_file/m.test(conf)) problems.push('ConfigMap/nats-config: client connections are not TLS');
  const cert = objects.find((o) => o.kind === 'Certificate' && isObject(o['spec']) && (o['spec'] as JsonObject)['secretName'] === 'nats-server-tls');
  if (!cert) problems.push('no cert-manager Certificate for nats-server-tls');
  for (const svc of NATS_SERVICES) {
    const data = (objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${svc}-config`)?.['data'] ?? {}) as Record<string, string>;
    if (!String(data['NATS_URL'] ?? '').split(',').every((u) => u.trim().startsWith('tls://'))) problems.push(`ConfigMap/${svc}-config: NATS_URL must use tls://`);
    if (!data['NATS_TLS_CA_FILE']) problems.push(`ConfigMap/${svc}-config: NATS_TLS_CA_FILE is not set (the server would not be verified against the bus CA)`);
  }
  return problems;
}
