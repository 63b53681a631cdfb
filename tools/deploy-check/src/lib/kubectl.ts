import { spawnSync } from 'node:child_process';
import { asK8sObject, type K8sObject } from './k8s-object';
import { parseYamlDocs } from './yaml-docs';

/**
 * Whether a kubectl with kustomize v5+ is on PATH (not on every machine: Debian's
 * kubernetes-client ships kustomize v2, which cannot build modern kustomizations).
 */
export function kubectlKustomizeVersion(): string | null {
  const r = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8', timeout: 15_000 });
  if (r.status !== 0) return null;
  try {
    const version = (JSON.parse(r.stdout) as { kustomizeVersion?: string }).kustomizeVersion ?? '';
    return /^v([5-9]|\d\d)\./.test(version) ? version : null;
  } catch {
    return null;
  }
}

/**
 * `kubectl kustomize DIR`, parsed.
 *
 * @throws Error with kubectl's message when the build fails
 */
export function kubectlKustomize(dir: string): K8sObject[] {
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir}: ${r.stderr.trim()}`);
  return parseYamlDocs(`kubectl kustomize ${dir}`, { text: r.stdout }).map((d) => asK8sObject(d, dir));
}
