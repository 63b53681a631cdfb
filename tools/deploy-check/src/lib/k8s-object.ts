/** A Kubernetes object as rendered from YAML: only the envelope is typed. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Plain JSON object (not null, not an array). */
export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `Kind/name` (plus namespace when set): how problems name an object. */
export function describe(obj: K8sObject): string {
  const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : '';
  return `${obj.kind}/${ns}${obj.metadata?.name}`;
}

/** Checks that a parsed YAML document has the envelope of a Kubernetes object. */
export function asK8sObject(doc: unknown, source: string): K8sObject {
  if (!isObject(doc) || typeof doc['apiVersion'] !== 'string' || typeof doc['kind'] !== 'string') {
    throw new Error(`${source}: not a Kubernetes object (apiVersion and kind are required)`);
  }
  const meta = doc['metadata'];
  if (!isObject(meta) || typeof meta['name'] !== 'string') throw new Error(`${source}: ${doc['kind']} without metadata.name`);
  return doc as unknown as K8sObject;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet']);

/** The pod template spec of a workload (Deployment, StatefulSet, DaemonSet, Job, CronJob), or undefined. */
export function podSpecOf(obj: K8sObject): JsonObject | undefined {
  const spec = obj['spec'];
  if (!isObject(spec)) return undefined;
  if (obj.kind === 'CronJob') {
    const jobTemplate = spec['jobTemplate'];
    const jobSpec = isObject(jobTemplate) ? jobTemplate['spec'] : undefined;
    const template = isObject(jobSpec) ? jobSpec['template'] : undefined;
    return isObject(template) && isObject(template['spec']) ? template['spec'] : undefined;
  }
  if (!WORKLOAD_KINDS.has(obj.kind)) return undefined;
  const template = spec['template'];
  return isObject(template) && isObject(template['spec']) ? template['spec'] : undefined;
}

/** Pod template labels of a workload. */
export function podLabelsOf(obj: K8sObject): Record<string, string> {
  const spec = obj['spec'];
  const template = isObject(spec) ? spec['template'] : undefined;
  const meta = isObject(template) ? template['metadata'] : undefined;
  const labels = isObject(meta) ? meta['labels'] : undefined;
  return isObject(labels) ? (labels as Record<string, string>) : {};
}

/** Containers of a pod spec, regular and init, each tagged with its list. */
export function containersOf(pod: JsonObject): { list: 'containers' | 'initContainers'; container: JsonObject }[] {
  const out: { list: 'containers' | 'initContainers'; container: JsonObject }[] = [];
  for (const list of ['initContainers', 'containers'] as const) {
    const items = pod[list];
    if (Array.isArray(items)) for (const c of items) if (isObject(c)) out.push({ list, container: c });
  }
  return out;
}

/** True when every label of `selector` is present with the same value in `labels`. */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return true;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
