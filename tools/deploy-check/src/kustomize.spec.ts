import { renderKustomization } from './lib/kustomize';
import { kubectlKustomize, kubectlKustomizeVersion } from './lib/kubectl';
import type { K8sObject } from './lib/k8s-object';
import { repoPath } from './lib/repo-paths';
import { strategicMerge } from './lib/strategic-merge';

const OVERLAYS = { dev: 'gatehouse-dev', prod: 'gatehouse' } as const;
const kubectlVersion = kubectlKustomizeVersion();

/** Objects in a stable order with stable key order, for comparing two renderings. */
function normalise(objects: K8sObject[]): string[] {
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sortKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortKeys(x)])) : v;
  return objects.map((o) => JSON.stringify(sortKeys(o))).sort();
}

describe('kustomize overlays', () => {
  describe.each(Object.entries(OVERLAYS))('overlay %s', (overlay, namespace) => {
    const dir = repoPath('k8s/overlays', overlay);

    it('renders, with every namespaced object in the overlay namespace', () => {
      const objects = renderKustomization(dir);
      expect(objects.length).toBeGreaterThan(10);
      for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(`${o.kind}/${o.metadata.name} ${o.metadata.namespace}`).toBe(`${o.kind}/${o.metadata.name} ${namespace}`);
      expect(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual([namespace]);
    });

    (kubectlVersion ? it : it.skip)(`renders exactly what kubectl kustomize renders (kustomize ${kubectlVersion ?? 'v5: not installed, skipped'})`, () => {
      expect(normalise(renderKustomization(dir))).toEqual(normalise(kubectlKustomize(dir)));
    });
  });

  it('fails loudly on a kustomization feature the offline renderer does not implement', () => {
    expect(() => renderKustomization(repoPath('tools/deploy-check/fixtures/unsupported-overlay'))).toThrow(/"commonLabels" is not supported/);
  });
});

describe('strategicMerge', () => {
  it('merges lists by key like kustomize v5: patch items first, then untouched originals', () => {
    const original = { env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'C', value: '3' }], args: ['x', 'y'] };
    const patch = { env: [{ name: 'D', value: '4' }, { name: 'B', value: '22' }], args: ['q'] };
    expect(strategicMerge(original, patch)).toEqual({
      env: [{ name: 'D', value: '4' }, { name: 'B', value: '22' }, { name: 'A', value: '1' }, { name: 'C', value: '3' }],
      args: ['q'],
    });
  });

  it('merges nested maps and deletes keys set to null', () => {
    expect(strategicMerge({ a: { b: 1, c: 2 }, d: 3 }, { a: { c: 5 }, d: null })).toEqual({ a: { b: 1, c: 5 } });
  });
});
