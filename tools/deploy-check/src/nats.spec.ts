import { readFileSync } from 'node:fs';
import { readEnvFile } from './lib/compose-check';
import { isObject, type JsonObject } from './lib/k8s-object';
import { renderKustomization } from './lib/kustomize';
import { checkComposeNats, checkK8sNats, checkNatsAuthConf, checkProdNatsTls, NATS_AUTH_CONF } from './lib/nats-rules';
import { repoPath, REPO_ROOT } from './lib/repo-paths';
import { parseYamlDocs } from './lib/yaml-docs';

const [compose] = parseYamlDocs(repoPath('docker-compose.yml'), { merge: true });
const services = (compose as { services: Record<string, JsonObject> }).services;
const env = (service: string): Record<string, string> => ({
  ...Object.fromEntries(((services[service]?.['env_file'] as string[] | undefined) ?? []).flatMap((f) => Object.entries(readEnvFile(repoPath(f))))),
  ...(isObject(services[service]?.['environment']) ? (services[service]?.['environment'] as Record<string, string>) : {}),
});
const shipped = readFileSync(repoPath(NATS_AUTH_CONF), 'utf8');
const dev = renderKustomization(repoPath('k8s/overlays/dev'));
const prod = renderKustomization(repoPath('k8s/overlays/prod'));

describe('the shipped NATS configuration (deploy/nats/gatehouse-auth.conf)', () => {
  it('has no anonymous access, one user per service, passwords from the environment, read-only verifiers', () => {
    expect(checkNatsAuthConf(shipped)).toEqual([]);
  });

  it('reports anonymous access, a literal password, a missing user and a verifier that may publish or purge', () => {
    const broken = shipped
      .replace('accounts {', 'no_auth_user: orders-service\naccounts {')
      .replace('password: $NATS_ORDERS_SERVICE_PASSWORD', 'password: hunter2')
      .replace(/\s*\{ user: inventory-service[^\n]*/, '')
      .replace('"$JS.API.INFO",\n      "$JS.API.STREAM.INFO.GATEHOUSE_EVENTS",', '"$JS.API.INFO",\n      "gatehouse.>",\n      "$JS.API.STREAM.PURGE.GATEHOUSE_EVENTS",');
    const problems = checkNatsAuthConf(broken).join('\n');
    expect(problems).toMatch(/no_auth_user allows anonymous connections/);
    expect(problems).toMatch(/NATS user orders-service: the password must come from the environment/);
    expect(problems).toMatch(/expected one user per service .* found auth-service, orders-service$/m);
    expect(problems).toMatch(/NATS user orders-service: may purge or delete the stream/);
    expect(problems).toMatch(/NATS user orders-service: a verifier may publish events or edit the stream/);
  });
});

describe('NATS in docker compose', () => {
  it('runs the shipped configuration; every service connects as its own user with the matching password', () => {
    expect(checkComposeNats(services, env, REPO_ROOT)).toEqual([]);
  });

  it('reports a service that shares another one\'s user or has the wrong password', () => {
    const wrong = (svc: string) => (svc === 'inventory-service' ? { ...env(svc), NATS_USER: 'orders-service', NATS_PASSWORD: 'nope' } : env(svc));
    const problems = checkComposeNats(services, wrong, REPO_ROOT).join('\n');
    expect(problems).toMatch(/compose service inventory-service: NATS_USER must be inventory-service/);
    expect(problems).toMatch(/compose service inventory-service: NATS_PASSWORD must equal nats's NATS_INVENTORY_SERVICE_PASSWORD/);
  });
});

describe('NATS in Kubernetes', () => {
  it.each([['dev', dev], ['prod', prod]])('%s: the shipped configuration, byte for byte; passwords from the Secret gatehouse-nats; one user per service', (_name, objects) => {
    expect(checkK8sNats(objects, REPO_ROOT)).toEqual([]);
  });

  it('prod: TLS from a cert-manager Certificate, tls:// URLs and the CA file in every service', () => {
    expect(checkProdNatsTls(prod)).toEqual([]);
  });

  it('reports a drifted copy, a shared password key, plain URLs and an unverified server', () => {
    const copy = JSON.parse(JSON.stringify(prod)) as typeof prod;
    const cm = (name: string) => copy.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name)!['data'] as Record<string, string>;
    cm('nats-config')['gatehouse-auth.conf'] += '\nno_auth_user: orders-service\n';
    cm('orders-service-config')['NATS_URL'] = 'nats://nats-0.nats-headless:4222';
    delete cm('inventory-service-config')['NATS_TLS_CA_FILE'];
    const orders = copy.find((o) => o.kind === 'Deployment' && o.metadata.name === 'orders-service')!;
    const env = ((orders['spec'] as JsonObject)['template'] as { spec: { containers: { env: JsonObject[] }[] } }).spec.containers[0]!.env;
    env.find((e) => e['name'] === 'NATS_PASSWORD')!['valueFrom'] = { secretKeyRef: { name: 'gatehouse-nats', key: 'auth-service-password' } };
    const problems = [...checkK8sNats(copy, REPO_ROOT), ...checkProdNatsTls(copy)].join('\n');
    expect(problems).toMatch(/ConfigMap\/nats-config: gatehouse-auth.conf differs/);
    expect(problems).toMatch(/Deployment\/orders-service: NATS_PASSWORD must come from Secret gatehouse-nats, key orders-service-password/);
    expect(problems).toMatch(/ConfigMap\/orders-service-config: NATS_URL must use tls:\/\//);
    expect(problems).toMatch(/ConfigMap\/inventory-service-config: NATS_TLS_CA_FILE is not set/);
  });
});
