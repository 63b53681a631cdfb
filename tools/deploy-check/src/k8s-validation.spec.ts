import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { validateAgainstSchemas } from './lib/k8s-schema';
import { renderKustomization } from './lib/kustomize';
import { checkProdRules } from './lib/prod-rules';
import { checkReferences, checkWorkloadRules } from './lib/workload-rules';
import { repoPath } from './lib/repo-paths';
import { parseYamlDocs } from './lib/yaml-docs';
import { isObject } from './lib/k8s-object';

const dev = renderKustomization(repoPath('k8s/overlays/dev'));
const prod = renderKustomization(repoPath('k8s/overlays/prod'));
const broken = renderKustomization(repoPath('tools/deploy-check/fixtures/broken-overlay'));

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}

/** Names of the Secrets objects refer to: secretKeyRef, secretRef, secret volumes, CNPG initdb.secret. */
function secretNames(node: unknown, parent = ''): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(node)) node.forEach((n) => secretNames(n, parent).forEach((x) => out.add(x)));
  else if (isObject(node)) {
    if ((parent === 'secretKeyRef' || parent === 'secretRef' || parent === 'secret') && typeof node['name'] === 'string') out.add(node['name']);
    if (parent === 'secret' && typeof node['secretName'] === 'string') out.add(node['secretName']);
    for (const [k, v] of Object.entries(node)) secretNames(v, k).forEach((x) => out.add(x));
  }
  return out;
}

describe('Kubernetes manifests', () => {
  it.each([['dev', dev], ['prod', prod]])('%s: every object validates against the Kubernetes (and CloudNativePG) schemas', (_name, objects) => {
    expect(validateAgainstSchemas(objects)).toEqual([]);
  });

  it.each([['dev', dev], ['prod', prod]])('%s: probes, limits, non-root, read-only root, ordered env, no literal Secrets', (_name, objects) => {
    expect(checkWorkloadRules(objects)).toEqual([]);
  });

  it.each([['dev', dev], ['prod', prod]])('%s: ConfigMaps, ServiceAccounts, Services, Ingress backends, HPA and PDB targets resolve', (_name, objects) => {
    expect(checkReferences(objects)).toEqual([]);
  });

  it('prod: PDB + HPA per Deployment, default-deny NetworkPolicies, TLS Ingress, CNPG x3, NATS x3 with an R3 stream', () => {
    expect(checkProdRules(prod)).toEqual([]);
  });

  it('no file under k8s/ commits a Secret with data', () => {
    const secrets = yamlFiles(repoPath('k8s'))
      .flatMap((f) => parseYamlDocs(f).map((d) => ({ f, d })))
      .filter(({ d }) => isObject(d) && d['kind'] === 'Secret' && (d['data'] !== undefined || d['stringData'] !== undefined));
    expect(secrets.map(({ f }) => f)).toEqual([]);
  });

  it('README tells how to create every Secret the manifests reference', () => {
    const readme = readFileSync(repoPath('README.md'), 'utf8');
    const referenced = secretNames([...dev, ...prod]);
    referenced.delete('gatehouse-db-ca'); // created by CloudNativePG
    referenced.delete('gatehouse-tls'); // created by cert-manager
    referenced.delete('nats-server-tls'); // created by cert-manager (k8s/overlays/prod/nats-tls.yaml)
    expect(referenced.size).toBeGreaterThanOrEqual(3);
    for (const name of referenced) expect(readme).toMatch(new RegExp(`kubectl[^\\n]*create secret[^\\n]*\\b${name}\\b`));
  });
});

describe('a deliberately broken manifest fails validation', () => {
  it('schema: the typo\'d field and the wrong type are reported', () => {
    const problems = validateAgainstSchemas(broken).join('\n');
    expect(problems).toMatch(/Deployment\/broken\/broken: .*replicas must be integer/);
    expect(problems).toMatch(/Deployment\/broken\/broken: .*'"?readinesProbe"?' does not exist/);
  });

  it('rules: missing probes, root user, writable root, committed Secret, env used before defined', () => {
    const problems = checkWorkloadRules(broken).join('\n');
    expect(problems).toMatch(/container broken: readinessProbe is missing/);
    expect(problems).toMatch(/container broken: livenessProbe is missing/);
    expect(problems).toMatch(/container broken: must run as non-root/);
    expect(problems).toMatch(/container broken: securityContext.readOnlyRootFilesystem must be true/);
    expect(problems).toMatch(/Secret\/broken\/committed-secret: Secret with literal data/);
    expect(problems).toMatch(/auth-service: env DATABASE_URL references \$\(DB_USER\) before it is defined/);
  });

  it('prod rules: /metrics through the Ingress, no Prometheus policy, a one-node NATS_URL are reported', () => {
    const copy = JSON.parse(JSON.stringify(prod)) as typeof prod;
    const ingress = copy.find((o) => o.kind === 'Ingress')!;
    const rules = (ingress['spec'] as { rules: { http: { paths: { path: string }[] } }[] }).rules;
    rules[0]!.http.paths = rules[0]!.http.paths.filter((p) => p.path !== '/metrics');
    const withoutPrometheus = copy.filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-prometheus'));
    const orders = withoutPrometheus.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'orders-service-config')!;
    (orders['data'] as Record<string, string>)['NATS_URL'] = 'nats://nats:4222';
    const problems = checkProdRules(withoutPrometheus).join('\n');
    expect(problems).toMatch(/Ingress\/gatehouse\/gatehouse: host auth.gatehouse.example.com routes \/metrics to auth-service/);
    expect(problems).toMatch(/Deployment\/gatehouse\/orders-service: no NetworkPolicy lets Prometheus scrape it/);
    expect(problems).toMatch(/ConfigMap\/orders-service-config: NATS_URL does not list nats-0/);
  });

  it('prod rules: a Deployment without PDB, HPA or NetworkPolicy is reported', () => {
    const problems = checkProdRules(broken).join('\n');
    expect(problems).toMatch(/Deployment\/broken\/broken: no PodDisruptionBudget/);
    expect(problems).toMatch(/Deployment\/broken\/broken: no HorizontalPodAutoscaler/);
    expect(problems).toMatch(/no default-deny policy/);
  });
});
