import { WORKSPACE_ROOT } from '@gatehouse/testing';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The three fresh services installed from the tarballs, each in its own directory with its own node_modules. */
export const SDK_APPS = {
  express: { entry: 'express-app.cjs', frameworks: ['express'], extra: [] },
  fastify: { entry: 'fastify-app.mjs', frameworks: ['fastify', 'typescript', '@types/node'], extra: ['types-check.ts', 'tsconfig.check.json'] },
  nest: { entry: 'nest-app.cjs', frameworks: ['@nestjs/common', '@nestjs/core', '@nestjs/platform-express', '@nestjs/passport', 'passport', 'passport-jwt', 'reflect-metadata', 'rxjs'], extra: [] },
} as const;

/** Name of one of {@link SDK_APPS}. */
export type SdkAppName = keyof typeof SDK_APPS;

/** `npm run pack`: builds the packages and returns the tarball paths. */
export async function packTarballs(): Promise<string[]> {
  const { stdout } = await run(process.execPath, [join(WORKSPACE_ROOT, 'tools', 'pack', 'pack.mjs')], { cwd: WORKSPACE_ROOT, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim().split('\n').filter((l) => l.endsWith('.tgz'));
}

/**
 * Writes app `name` into `dir` (outside the workspace) and installs the tarballs plus its
 * framework at the versions the workspace pins, from npm's cache when it has them.
 *
 * @returns the app's entry file
 */
export async function installSdkApp(name: SdkAppName, dir: string, tarballs: readonly string[]): Promise<string> {
  const pinned = JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const versions = { ...pinned.dependencies, ...pinned.devDependencies };
  const dependencies: Record<string, string> = {};
  for (const t of tarballs) dependencies[`@gatehouse/${basename(t).replace(/^gatehouse-/, '').replace(/-\d+\.\d+\.\d+\.tgz$/, '')}`] = `file:${t}`;
  for (const f of SDK_APPS[name].frameworks) {
    const v = versions[f];
    if (!v) throw new Error(`${f} is not pinned in the workspace package.json`);
    dependencies[f] = v;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `sdk-${name}-app`, private: true, dependencies }, null, 2));
  const entry = SDK_APPS[name].entry;
  for (const file of [entry, ...SDK_APPS[name].extra]) copyFileSync(join(__dirname, 'apps', file), join(dir, file));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
  return join(dir, entry);
}
