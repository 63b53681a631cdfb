import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { describe, type K8sObject } from './k8s-object';

const load = createRequire(__filename);
const MODELS_ROOT = dirname(load.resolve('kubernetes-models/package.json'));

/** Custom resources we can check structurally: apiVersion/kind → exported type in crd-types.ts. */
const CRD_TYPES: Record<string, string> = {
  'postgresql.cnpg.io/v1/Cluster': 'ICnpgCluster',
  'cert-manager.io/v1/Issuer': 'ICertManagerIssuer',
  'cert-manager.io/v1/Certificate': 'ICertManagerCertificate',
};

/** Path of the kubernetes-models module for a built-in kind, or null for unknown kinds. */
function modelModule(obj: K8sObject): string | null {
  const rel = `${obj.apiVersion}/${obj.kind}`;
  return existsSync(join(MODELS_ROOT, `${rel}.js`)) ? `kubernetes-models/${rel}` : null;
}

/**
 * Validates rendered objects against the Kubernetes schemas, offline, in two passes:
 * 1. kubernetes-models (the OpenAPI schemas of the API server compiled to validators): types,
 *    formats, enums and required fields of every built-in kind;
 * 2. the TypeScript compiler against the same package's interfaces (and crd-types.ts for
 *    CloudNativePG), whose excess-property check rejects unknown field names, which pass 1
 *    lets through.
 * Objects of a kind with no schema at all are reported too.
 *
 * @returns one line per problem; empty when everything validates
 */
export function validateAgainstSchemas(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const obj of objects) {
    const mod = modelModule(obj);
    const crd = CRD_TYPES[`${obj.apiVersion}/${obj.kind}`];
    if (!mod && !crd) {
      problems.push(`${describe(obj)}: no schema for ${obj.apiVersion} ${obj.kind}`);
      continue;
    }
    if (!mod) continue;
    const Model = (load(mod) as Record<string, new (data: unknown) => { validate(): void }>)[obj.kind];
    try {
      new Model(obj).validate();
    } catch (err) {
      problems.push(`${describe(obj)}: ${(err as Error).message}`);
    }
  }
  return [...problems, ...typeCheck(objects)];
}

function typeCheck(objects: K8sObject[]): string[] {
  const file = join(__dirname, '__rendered_manifests__.ts');
  const lines: string[] = [`import type * as crd from './crd-types';`];
  const owners: { from: number; obj: K8sObject }[] = [];
  objects.forEach((obj, i) => {
    const mod = modelModule(obj);
    const crd = CRD_TYPES[`${obj.apiVersion}/${obj.kind}`];
    const type = mod ? `import('${mod}').I${obj.kind}` : crd ? `crd.${crd}` : null;
    if (!type) return;
    owners.push({ from: lines.length, obj });
    lines.push(...`export const o${i}: ${type} = ${JSON.stringify(obj, null, 2)};`.split('\n'));
  });
  const text = lines.join('\n');

  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, lang, ...rest) => (name === file ? ts.createSourceFile(name, text, lang, true) : getSourceFile.call(host, name, lang, ...rest));
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? text : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);

  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (!d.file || d.start === undefined) return `schema check: ${message}`;
    const line = d.file.getLineAndCharacterOfPosition(d.start).line;
    const owner = [...owners].reverse().find((o) => o.from <= line);
    const where = lines[line]?.trim() ?? '';
    return `${owner ? describe(owner.obj) : d.file.fileName}: ${message} (at ${where})`;
  });
}
