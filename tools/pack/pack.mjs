#!/usr/bin/env node
// Builds the publishable packages (libs/<name>/package.json) into dist/packages/<name> and
// writes their tarballs to dist/packages/tarballs (`npm run pack`). Versions come from the
// workspace: `workspace` → the sibling package's version, `*` → the exact version the root
// package.json pins; peer ranges are kept as written. Every `exports` target must exist.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** In dependency order: each package is built against the declarations of those before it. */
export const PACKAGES = ['contracts', 'revocation-events', 'service-token-client', 'auth-verify'];
const dist = join(root, 'dist', 'packages');
const tarballs = join(dist, 'tarballs');
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pinned = { ...rootPkg.dependencies, ...rootPkg.devDependencies };
const manifest = (lib) => JSON.parse(readFileSync(join(root, 'libs', lib, 'package.json'), 'utf8'));
const byName = new Map(PACKAGES.map((lib) => [manifest(lib).name, lib]));

function resolveVersions(deps, owner) {
  const out = {};
  for (const [name, spec] of Object.entries(deps ?? {})) {
    if (spec === 'workspace') {
      if (!byName.has(name)) throw new Error(`${owner}: ${name} is not a workspace package`);
      out[name] = manifest(byName.get(name)).version;
    } else if (spec === '*') {
      if (!pinned[name]) throw new Error(`${owner}: ${name} is not pinned in the root package.json`);
      out[name] = pinned[name];
    } else out[name] = spec;
  }
  return out;
}

/** tsconfig for one package: its sources only, workspace imports resolved to the packages already built. */
function writeTsconfig(lib) {
  const paths = {};
  for (const [name, dep] of byName) {
    if (dep === lib || !existsSync(join(dist, dep))) continue;
    paths[name] = [join(dist, dep, 'index.d.ts')];
    paths[`${name}/*`] = [join(dist, dep, '*')];
  }
  const src = join(root, 'libs', lib, 'src');
  const file = join(dist, '.tsconfig', `${lib}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({
    extends: join(root, 'libs', lib, 'tsconfig.lib.json'),
    compilerOptions: { rootDir: src, outDir: join(dist, lib), declaration: true, sourceMap: false, noEmit: false, paths },
    include: [join(src, '**', '*.ts')],
    exclude: [join(src, '**', '*.spec.ts'), join(src, 'test', '**')],
  }, null, 2));
  return file;
}

/** The JSON Schema of the events, generated from the zod schemas just built (for consumers in any language). */
function writeEventsSchema(out) {
  const contracts = createRequire(import.meta.url)(join(out, 'index.js'));
  const file = join(out, contracts.EVENTS_JSON_SCHEMA_PATH);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(contracts.eventsJsonSchema(), null, 2) + '\n');
}

function build(lib) {
  const out = join(dist, lib);
  rmSync(out, { recursive: true, force: true });
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', writeTsconfig(lib)], { stdio: 'inherit' });
  const m = manifest(lib);
  const pkg = { ...m, dependencies: resolveVersions(m.dependencies, m.name) };
  writeFileSync(join(out, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  copyFileSync(join(root, 'libs', lib, 'README.md'), join(out, 'README.md'));
  if (lib === 'contracts') writeEventsSchema(out);
  for (const [sub, target] of Object.entries(pkg.exports)) {
    for (const file of typeof target === 'string' ? [target] : Object.values(target)) {
      if (!existsSync(join(out, file))) throw new Error(`${pkg.name}: exports["${sub}"] → ${file} was not built`);
    }
  }
  const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', tarballs], { cwd: out, encoding: 'utf8' }).trim().split('\n').pop();
  return join(tarballs, name);
}

/** Builds and packs every package; returns the tarball paths. */
export function packAll() {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(tarballs, { recursive: true });
  return PACKAGES.map(build);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const t of packAll()) console.log(t);
}
