import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { asK8sObject, isObject, podSpecOf, containersOf, type K8sObject } from './k8s-object';
import { strategicMerge } from './strategic-merge';
import { parseYamlDocs } from './yaml-docs';

/** The kustomization fields this renderer implements; anything else is rejected, never ignored. */
const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'patches', 'images']);

/** Kinds that have no namespace (the subset a Gatehouse manifest could contain). */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume',
  'StorageClass', 'PriorityClass', 'IngressClass', 'ClusterIssuer', 'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration', 'APIService',
]);

interface ImageOverride { name: string; newName?: string; newTag?: string; digest?: string }

/**
 * Renders a kustomization directory like `kubectl kustomize DIR` (kustomize v5) for the subset
 * Gatehouse uses: `resources` (files and kustomization directories, recursively), `patches`
 * with `path:` (strategic merge, target taken from the patch's kind and name), `images`
 * and `namespace`. The test suite compares this output with kubectl's whenever kubectl is
 * installed, so the subset cannot silently drift from the real tool.
 *
 * @throws Error for a missing file, an unsupported field, or a patch that matches no object
 * @example
 * const objects = renderKustomization(repoPath('k8s/overlays/prod'));
 */
export function renderKustomization(dir: string): K8sObject[] {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) throw new Error(`${dir}: no kustomization.yaml`);
  const [k] = parseYamlDocs(file);
  if (!isObject(k)) throw new Error(`${file}: not a mapping`);
  for (const key of Object.keys(k)) {
    if (!SUPPORTED.has(key)) throw new Error(`${file}: kustomization field "${key}" is not supported by the offline renderer`);
  }

  let objects: K8sObject[] = [];
  for (const entry of asStrings(k['resources'], `${file} resources`)) {
    const path = resolve(dir, entry);
    if (!existsSync(path)) throw new Error(`${file}: resource ${entry} does not exist`);
    objects.push(...(statSync(path).isDirectory() ? renderKustomization(path) : parseYamlDocs(path).map((d) => asK8sObject(d, path))));
  }

  for (const p of asList(k['patches'], `${file} patches`)) {
    if (!isObject(p) || typeof p['path'] !== 'string' || Object.keys(p).length !== 1) {
      throw new Error(`${file}: only "patches: - path: FILE" entries are supported`);
    }
    const patchFile = resolve(dir, p['path']);
    const docs = parseYamlDocs(patchFile);
    if (docs.length !== 1) throw new Error(`${patchFile}: a patch file holds exactly one document`);
    const patch = asK8sObject(docs[0], patchFile);
    objects = applyPatch(objects, patch, patchFile);
  }

  const images = asList(k['images'], `${file} images`) as ImageOverride[];
  for (const obj of objects) setImages(obj, images);

  const namespace = k['namespace'];
  if (typeof namespace === 'string') {
    for (const obj of objects) if (!CLUSTER_SCOPED.has(obj.kind)) obj.metadata = { ...obj.metadata, namespace };
  }
  assertUnique(objects, dir);
  return objects;
}

function applyPatch(objects: K8sObject[], patch: K8sObject, source: string): K8sObject[] {
  const group = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
  const matches = objects.filter(
    (o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name && group(o.apiVersion) === group(patch.apiVersion),
  );
  if (matches.length !== 1) throw new Error(`${source}: patch target ${patch.kind}/${patch.metadata.name} matched ${matches.length} objects`);
  return objects.map((o) => (o === matches[0] ? (strategicMerge(o, patch) as K8sObject) : o));
}

function setImages(obj: K8sObject, images: ImageOverride[]): void {
  const pod = podSpecOf(obj);
  if (!pod || images.length === 0) return;
  for (const { container } of containersOf(pod)) {
    const image = container['image'];
    if (typeof image !== 'string') continue;
    const name = imageName(image);
    const override = images.find((i) => i.name === name);
    if (!override) continue;
    const tagOrDigest = override.digest ? `@${override.digest}` : override.newTag ? `:${override.newTag}` : image.slice(name.length);
    container['image'] = `${override.newName ?? name}${tagOrDigest}`;
  }
}

/** Image reference without tag or digest (a registry port's colon is not a tag). */
function imageName(image: string): string {
  const noDigest = image.split('@')[0];
  const lastColon = noDigest.lastIndexOf(':');
  return lastColon > noDigest.lastIndexOf('/') ? noDigest.slice(0, lastColon) : noDigest;
}

function assertUnique(objects: K8sObject[], dir: string): void {
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.apiVersion}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
    if (seen.has(id)) throw new Error(`${dir}: ${o.kind}/${o.metadata.name} is defined twice`);
    seen.add(id);
  }
}

function asList(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${what}: must be a list`);
  return v;
}

function asStrings(v: unknown, what: string): string[] {
  const list = asList(v, what);
  if (!list.every((s) => typeof s === 'string')) throw new Error(`${what}: must be a list of paths`);
  return list as string[];
}
