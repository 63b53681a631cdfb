import { checkExposureRules } from './exposure-rules';
import { describe, isObject, podLabelsOf, podSpecOf, selects, type JsonObject, type K8sObject } from './k8s-object';

const spec = (o: K8sObject): JsonObject => (isObject(o['spec']) ? o['spec'] : {});
const matchLabels = (selector: unknown): Record<string, string> | undefined =>
  isObject(selector) && isObject(selector['matchLabels']) ? (selector['matchLabels'] as Record<string, string>) : undefined;

/**
 * What the production overlay must have on top of the general rules (issue 7 / DESIGN "Running"):
 * - every Deployment: a PodDisruptionBudget selecting its pods and an HPA scaling it;
 *   auth-service at least 2 replicas (Deployment and HPA minimum);
 * - a default-deny NetworkPolicy (all pods, Ingress and Egress) and, for every workload and the
 *   CloudNativePG cluster, a policy that selects its pods specifically;
 * - TLS on every Ingress host with a cert-manager issuer annotation;
 * - a CloudNativePG Cluster of at least 3 instances; a 3-node NATS JetStream cluster whose
 *   config routes to every node, and the event stream's replica setting equal to the node count;
 * - the namespace enforces the "restricted" Pod Security Standard; one https ISSUER for all;
 * - `/metrics` not routed by the Ingress, Prometheus admitted by a NetworkPolicy, every service's
 *   NATS_URL listing every node (`checkExposureRules`).
 *
 * @returns one line per violation
 */
export function checkProdRules(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const policies = of('NetworkPolicy');

  for (const dep of of('Deployment')) {
    const labels = podLabelsOf(dep);
    if (!of('PodDisruptionBudget').some((p) => selects(matchLabels(spec(p)['selector']), labels))) problems.push(`${describe(dep)}: no PodDisruptionBudget`);
    const hpa = of('HorizontalPodAutoscaler').find((h) => isObject(spec(h)['scaleTargetRef']) && (spec(h)['scaleTargetRef'] as JsonObject)['name'] === dep.metadata.name);
    if (!hpa) problems.push(`${describe(dep)}: no HorizontalPodAutoscaler`);
    if (dep.metadata.name === 'auth-service') {
      if (Number(spec(dep)['replicas'] ?? 1) < 2) problems.push(`${describe(dep)}: needs at least 2 replicas`);
      if (hpa && Number(spec(hpa)['minReplicas'] ?? 1) < 2) problems.push(`${describe(hpa)}: minReplicas must be at least 2`);
    }
  }

  const isDefaultDeny = (p: K8sObject) => {
    const s = spec(p);
    const types = Array.isArray(s['policyTypes']) ? s['policyTypes'] : [];
    return isObject(s['podSelector']) && Object.keys(s['podSelector']).length === 0 && types.includes('Ingress') && types.includes('Egress') && !s['ingress'] && !s['egress'];
  };
  if (!policies.some(isDefaultDeny)) problems.push('NetworkPolicy: no default-deny policy (podSelector {}, Ingress and Egress, no rules)');
  const specific = policies.filter((p) => Object.keys(matchLabels(spec(p)['podSelector']) ?? {}).length > 0);
  for (const w of objects.filter((o) => podSpecOf(o))) {
    if (!specific.some((p) => selects(matchLabels(spec(p)['podSelector']), podLabelsOf(w)))) problems.push(`${describe(w)}: no NetworkPolicy allows its traffic`);
  }

  for (const ing of of('Ingress')) {
    const annotations = ing.metadata.annotations ?? {};
    if (!annotations['cert-manager.io/cluster-issuer'] && !annotations['cert-manager.io/issuer']) problems.push(`${describe(ing)}: no cert-manager issuer annotation`);
    const tls = Array.isArray(spec(ing)['tls']) ? (spec(ing)['tls'] as JsonObject[]) : [];
    const tlsHosts = new Set(tls.filter((t) => t['secretName']).flatMap((t) => (Array.isArray(t['hosts']) ? t['hosts'] : [])));
    for (const rule of Array.isArray(spec(ing)['rules']) ? (spec(ing)['rules'] as JsonObject[]) : []) {
      if (!tlsHosts.has(rule['host'])) problems.push(`${describe(ing)}: host ${String(rule['host'])} has no TLS`);
    }
  }

  const clusters = objects.filter((o) => o.apiVersion === 'postgresql.cnpg.io/v1' && o.kind === 'Cluster');
  if (clusters.length === 0) problems.push('no CloudNativePG Cluster');
  for (const c of clusters) {
    if (Number(spec(c)['instances']) < 3) problems.push(`${describe(c)}: needs at least 3 instances`);
    if (!specific.some((p) => selects(matchLabels(spec(p)['podSelector']), { 'cnpg.io/cluster': c.metadata.name }))) problems.push(`${describe(c)}: no NetworkPolicy for its pods`);
  }

  problems.push(...checkNats(objects));
  problems.push(...checkExposureRules(objects, 3));

  for (const ns of of('Namespace')) {
    if (ns.metadata.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted') problems.push(`${describe(ns)}: must enforce the restricted Pod Security Standard`);
  }
  const issuers = new Set(of('ConfigMap').map((c) => (c['data'] as Record<string, string> | undefined)?.['ISSUER']).filter(Boolean));
  if (issuers.size !== 1 || ![...issuers].every((i) => String(i).startsWith('https://'))) problems.push(`ConfigMaps: expected one https ISSUER, found ${JSON.stringify([...issuers])}`);
  return problems;
}

function checkNats(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const nats = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'nats');
  const replicas = Number(nats ? spec(nats)['replicas'] : 0);
  if (replicas !== 3) problems.push(`StatefulSet/nats: expected 3 replicas, found ${replicas}`);
  const conf = String((objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'nats-config')?.['data'] as JsonObject | undefined)?.['nats.conf'] ?? '');
  if (!/jetstream\s*\{/.test(conf)) problems.push('ConfigMap/nats-config: JetStream is not enabled');
  for (let i = 0; i < replicas; i++) {
    if (!conf.includes(`nats://nats-${i}.nats-headless:6222`)) problems.push(`ConfigMap/nats-config: no cluster route to nats-${i}`);
  }
  const auth = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'auth-service-config');
  const streamReplicas = (auth?.['data'] as Record<string, string> | undefined)?.['EVENTS_STREAM_REPLICAS'];
  if (Number(streamReplicas) !== replicas) problems.push(`ConfigMap/auth-service-config: EVENTS_STREAM_REPLICAS must be ${replicas}`);
  return problems;
}
