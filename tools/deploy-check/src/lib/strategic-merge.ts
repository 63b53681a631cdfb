import { isObject, type JsonObject } from './k8s-object';

/**
 * Merge keys of the associative lists our patches touch, by field name, as in the Kubernetes
 * OpenAPI `x-kubernetes-patch-merge-key`. Any other list is replaced, as kustomize does.
 * `ports` depends on where it is: `containerPort` in a container, `port` in a Service.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  imagePullSecrets: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  topologySpreadConstraints: 'topologyKey',
  hostAliases: 'ip',
};

function mergeKeyFor(field: string, parentPath: string[]): string | undefined {
  if (field === 'ports') return parentPath.includes('containers') || parentPath.includes('initContainers') ? 'containerPort' : 'port';
  return MERGE_KEYS[field];
}

/**
 * Strategic merge patch, the subset kustomize applies for `patches: - path:` files:
 * maps merge recursively, `null` deletes a key, associative lists merge by their key (patch
 * items first, in patch order, then the original items the patch did not name, which is the
 * order kustomize v5 emits), other lists and scalars are replaced. `$patch` directives are
 * not supported and rejected.
 *
 * @throws Error on `$patch`/`$setElementOrder` directives
 */
export function strategicMerge(original: unknown, patch: unknown, path: string[] = []): unknown {
  if (!isObject(original) || !isObject(patch)) return structuredClone(patch);
  const out: JsonObject = structuredClone(original);
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) throw new Error(`strategic merge directive ${key} at ${path.join('.')} is not supported`);
    if (value === null) {
      delete out[key];
    } else if (isObject(value) && isObject(out[key])) {
      out[key] = strategicMerge(out[key], value, [...path, key]);
    } else if (Array.isArray(value) && Array.isArray(out[key])) {
      const mergeKey = mergeKeyFor(key, path);
      out[key] = mergeKey ? mergeList(out[key] as unknown[], value, mergeKey, [...path, key]) : structuredClone(value);
    } else {
      out[key] = structuredClone(value);
    }
  }
  return out;
}

function mergeList(original: unknown[], patch: unknown[], mergeKey: string, path: string[]): unknown[] {
  const keyOf = (item: unknown): unknown => (isObject(item) ? item[mergeKey] : undefined);
  const patched = patch.map((item) => {
    const match = original.find((o) => keyOf(o) !== undefined && keyOf(o) === keyOf(item));
    return match === undefined ? structuredClone(item) : strategicMerge(match, item, path);
  });
  const patchKeys = new Set(patch.map(keyOf));
  const untouched = original.filter((o) => !patchKeys.has(keyOf(o))).map((o) => structuredClone(o));
  return [...patched, ...untouched];
}
