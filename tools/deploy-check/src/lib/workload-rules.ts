import { containersOf, describe, isObject, podLabelsOf, podSpecOf, selects, type JsonObject, type K8sObject } from './k8s-object';

const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const PROBES = ['startupProbe', 'livenessProbe', 'readinessProbe'] as const;

/**
 * Gatehouse's own rules for every pod-bearing object, in any overlay:
 * - every container (init containers too) has cpu+memory requests and limits, a read-only root
 *   file system, no privilege escalation, all capabilities dropped, and runs as non-root
 *   (runAsNonRoot, and runAsUser, if set, is not 0); the pod uses the RuntimeDefault seccomp profile;
 * - every container of a long-running workload has startup, liveness and readiness probes;
 * - an env value's `$(VAR)` references only variables defined before it (kubelet expands
 *   nothing else, so a reordered list silently breaks a URL);
 * - no Secret object carries data: secrets are created in the cluster, never committed.
 *
 * @returns one line per violation
 */
export function checkWorkloadRules(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const obj of objects) {
    if (obj.kind === 'Secret' && (obj['data'] !== undefined || obj['stringData'] !== undefined)) {
      problems.push(`${describe(obj)}: Secret with literal data is committed; reference a Secret created in the cluster instead`);
    }
    const pod = podSpecOf(obj);
    if (!pod) continue;
    problems.push(...checkPod(obj, pod));
  }
  return problems;
}

function checkPod(obj: K8sObject, pod: JsonObject): string[] {
  const problems: string[] = [];
  const podSec = isObject(pod['securityContext']) ? pod['securityContext'] : {};
  const podSeccomp = isObject(podSec['seccompProfile']) ? podSec['seccompProfile']['type'] : undefined;
  for (const { list, container } of containersOf(pod)) {
    const where = `${describe(obj)} ${list === 'initContainers' ? 'init container' : 'container'} ${String(container['name'])}`;
    const sec = isObject(container['securityContext']) ? container['securityContext'] : {};
    const resources = isObject(container['resources']) ? container['resources'] : {};
    for (const kind of ['requests', 'limits'] as const) {
      const r = isObject(resources[kind]) ? resources[kind] : {};
      if (r['cpu'] === undefined || r['memory'] === undefined) problems.push(`${where}: resources.${kind} needs cpu and memory`);
    }
    if (sec['readOnlyRootFilesystem'] !== true) problems.push(`${where}: securityContext.readOnlyRootFilesystem must be true`);
    if (sec['allowPrivilegeEscalation'] !== false) problems.push(`${where}: securityContext.allowPrivilegeEscalation must be false`);
    const drop = isObject(sec['capabilities']) ? sec['capabilities']['drop'] : undefined;
    if (!Array.isArray(drop) || !drop.includes('ALL')) problems.push(`${where}: securityContext.capabilities.drop must include ALL`);
    const nonRoot = sec['runAsNonRoot'] ?? podSec['runAsNonRoot'];
    const user = sec['runAsUser'] ?? podSec['runAsUser'];
    if (nonRoot !== true || user === 0) problems.push(`${where}: must run as non-root (runAsNonRoot: true, runAsUser not 0)`);
    const seccomp = isObject(sec['seccompProfile']) ? sec['seccompProfile']['type'] : podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${where}: seccompProfile must be RuntimeDefault`);
    if (LONG_RUNNING.has(obj.kind) && list === 'containers') {
      for (const probe of PROBES) if (!isObject(container[probe])) problems.push(`${where}: ${probe} is missing`);
    }
    problems.push(...checkEnvOrder(where, container));
  }
  return problems;
}

function checkEnvOrder(where: string, container: JsonObject): string[] {
  const env = Array.isArray(container['env']) ? container['env'].filter(isObject) : [];
  const defined = new Set<string>();
  const problems: string[] = [];
  for (const e of env) {
    const value = typeof e['value'] === 'string' ? e['value'] : '';
    for (const [, ref] of value.matchAll(/(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
      if (!defined.has(ref)) problems.push(`${where}: env ${String(e['name'])} references $(${ref}) before it is defined`);
    }
    defined.add(String(e['name']));
  }
  return problems;
}

/** Objects of one kind, by name. */
function byKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

/**
 * Cross-object references inside one rendered overlay: configMapRef/secret volumes of ConfigMaps
 * in the set, serviceAccountName, Service selectors that select a pod template, Ingress
 * backends naming a Service port, HPA targets, PDB selectors.
 */
export function checkReferences(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const names = (kind: string) => new Set(byKind(objects, kind).map((o) => o.metadata.name));
  const configMaps = names('ConfigMap');
  const serviceAccounts = names('ServiceAccount');
  const workloads = objects.filter((o) => podSpecOf(o));
  for (const obj of workloads) {
    const pod = podSpecOf(obj) as JsonObject;
    const sa = pod['serviceAccountName'];
    if (typeof sa === 'string' && !serviceAccounts.has(sa)) problems.push(`${describe(obj)}: ServiceAccount ${sa} is not defined`);
    for (const { container } of containersOf(pod)) {
      for (const from of Array.isArray(container['envFrom']) ? container['envFrom'].filter(isObject) : []) {
        const ref = isObject(from['configMapRef']) ? from['configMapRef']['name'] : undefined;
        if (typeof ref === 'string' && !configMaps.has(ref)) problems.push(`${describe(obj)}: ConfigMap ${ref} is not defined`);
      }
    }
    for (const v of Array.isArray(pod['volumes']) ? pod['volumes'].filter(isObject) : []) {
      const ref = isObject(v['configMap']) ? v['configMap']['name'] : undefined;
      if (typeof ref === 'string' && !configMaps.has(ref)) problems.push(`${describe(obj)}: ConfigMap ${ref} is not defined`);
    }
  }
  for (const svc of byKind(objects, 'Service')) {
    const selector = (svc['spec'] as JsonObject | undefined)?.['selector'] as Record<string, string> | undefined;
    if (selector && !workloads.some((w) => selects(selector, podLabelsOf(w)))) problems.push(`${describe(svc)}: selector matches no pod template`);
  }
  const services = byKind(objects, 'Service');
  for (const ing of byKind(objects, 'Ingress')) {
    for (const backend of findAll(ing['spec'], 'service')) {
      const svc = services.find((s) => s.metadata.name === backend['name']);
      const port = isObject(backend['port']) ? backend['port'] : {};
      const ports = ((svc?.['spec'] as JsonObject | undefined)?.['ports'] as JsonObject[] | undefined) ?? [];
      if (!svc || !ports.some((p) => p['name'] === port['name'] || p['port'] === port['number'])) {
        problems.push(`${describe(ing)}: backend ${String(backend['name'])} port ${JSON.stringify(port)} does not exist`);
      }
    }
  }
  for (const hpa of byKind(objects, 'HorizontalPodAutoscaler')) {
    const target = (hpa['spec'] as JsonObject)['scaleTargetRef'] as JsonObject;
    if (!objects.some((o) => o.kind === target['kind'] && o.metadata.name === target['name'])) problems.push(`${describe(hpa)}: scale target is not defined`);
  }
  for (const pdb of byKind(objects, 'PodDisruptionBudget')) {
    const selector = ((pdb['spec'] as JsonObject)['selector'] as JsonObject | undefined)?.['matchLabels'] as Record<string, string> | undefined;
    if (!workloads.some((w) => selects(selector, podLabelsOf(w)))) problems.push(`${describe(pdb)}: selector matches no pod template`);
  }
  return problems;
}

/** Every object value stored under `key`, at any depth. */
function findAll(node: unknown, key: string): JsonObject[] {
  if (Array.isArray(node)) return node.flatMap((n) => findAll(n, key));
  if (!isObject(node)) return [];
  return Object.entries(node).flatMap(([k, v]) => [...(k === key && isObject(v) ? [v] : []), ...findAll(v, key)]);
}
