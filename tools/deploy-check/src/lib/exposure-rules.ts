import { describe, isObject, podLabelsOf, type JsonObject, type K8sObject } from './k8s-object';

const spec = (o: K8sObject): JsonObject => (isObject(o['spec']) ? o['spec'] : {});
const SERVICES = ['auth-service', 'orders-service', 'inventory-service'] as const;

/** The backend Service name the Ingress sends `path` of `rule` to (longest matching path wins), or undefined. */
function routeOf(rule: JsonObject, path: string): string | undefined {
  const http = isObject(rule['http']) ? rule['http'] : {};
  const paths = Array.isArray(http['paths']) ? (http['paths'] as JsonObject[]) : [];
  const matches = paths.filter((p) => {
    const prefix = String(p['path'] ?? '/');
    if (p['pathType'] === 'Exact') return prefix === path;
    return prefix === '/' || path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
  });
  const best = matches.sort((a, b) => String(b['path'] ?? '').length - String(a['path'] ?? '').length)[0];
  const backend = best && isObject(best['backend']) && isObject(best['backend']['service']) ? best['backend']['service'] : undefined;
  return backend ? String(backend['name']) : undefined;
}

/**
 * What production keeps inside the cluster and how services reach NATS (issue #14):
 * - no Ingress host routes `/metrics` (or anything under it) to a Service that has pods;
 * - a NetworkPolicy lets Prometheus (namespace `monitoring`, `app.kubernetes.io/name: prometheus`)
 *   reach every service's pods, so scraping works without the Ingress;
 * - every service's `NATS_URL` lists every NATS node, so each can keep a second fast-path
 *   connection on another node.
 *
 * @returns one line per violation
 */
export function checkExposureRules(objects: K8sObject[], natsNodes: number): string[] {
  const problems: string[] = [];
  const services = new Map(objects.filter((o) => o.kind === 'Service').map((s) => [s.metadata.name, s]));
  for (const ing of objects.filter((o) => o.kind === 'Ingress')) {
    for (const rule of Array.isArray(spec(ing)['rules']) ? (spec(ing)['rules'] as JsonObject[]) : []) {
      for (const path of ['/metrics', '/metrics/', '/metrics/x']) {
        const target = routeOf(rule, path);
        const svc = target === undefined ? undefined : services.get(target);
        if (target !== undefined && (!svc || isObject(spec(svc)['selector']))) problems.push(`${describe(ing)}: host ${String(rule['host'])} routes ${path} to ${target}`);
      }
    }
  }
  const admitsPrometheus = (p: K8sObject) =>
    (Array.isArray(spec(p)['ingress']) ? (spec(p)['ingress'] as JsonObject[]) : []).some((rule) =>
      (Array.isArray(rule['from']) ? (rule['from'] as JsonObject[]) : []).some(
        (peer) => JSON.stringify(peer['namespaceSelector']) === '{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}}' && JSON.stringify(peer['podSelector']) === '{"matchLabels":{"app.kubernetes.io/name":"prometheus"}}',
      ),
    );
  const prometheusPolicies = objects.filter((o) => o.kind === 'NetworkPolicy' && admitsPrometheus(o));
  for (const name of SERVICES) {
    const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
    if (!dep) continue;
    const labels = podLabelsOf(dep);
    const admitted = prometheusPolicies.some((p) => selectsByExpressions(spec(p)['podSelector'], labels));
    if (!admitted) problems.push(`${describe(dep)}: no NetworkPolicy lets Prometheus scrape it`);
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${name}-config`);
    const url = String((config?.['data'] as Record<string, string> | undefined)?.['NATS_URL'] ?? '');
    for (let i = 0; i < natsNodes; i++) {
      if (!url.split(',').some((u) => ['nats', 'tls'].some((scheme) => u.trim() === `${scheme}://nats-${i}.nats-headless:4222`))) problems.push(`ConfigMap/${name}-config: NATS_URL does not list nats-${i}`);
    }
  }
  return problems;
}

/** Label selector match with matchLabels and `In` matchExpressions (what our policies use). */
function selectsByExpressions(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObject(selector)) return false;
  const ml = isObject(selector['matchLabels']) ? (selector['matchLabels'] as Record<string, string>) : {};
  const exprs = Array.isArray(selector['matchExpressions']) ? (selector['matchExpressions'] as JsonObject[]) : [];
  if (Object.keys(ml).length === 0 && exprs.length === 0) return false;
  return (
    Object.entries(ml).every(([k, v]) => labels[k] === v) &&
    exprs.every((e) => e['operator'] === 'In' && Array.isArray(e['values']) && (e['values'] as unknown[]).includes(labels[String(e['key'])]))
  );
}
