import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { checkDockerfileRules, lintDockerfile } from './lib/dockerfile-check';
import { repoPath } from './lib/repo-paths';

const APPS = [['auth-service', 3000], ['orders-service', 3001], ['inventory-service', 3002]] as const;

describe('Dockerfile (one, parameterised by APP and APP_PORT)', () => {
  const content = readFileSync(repoPath('Dockerfile'), 'utf8');

  it('passes the linter', () => {
    expect(lintDockerfile('Dockerfile', content)).toEqual([]);
  });

  it.each(APPS)('built for %s (port %d) passes our rules', (app, port) => {
    expect(checkDockerfileRules('Dockerfile', content, app, port, { APP: app, APP_PORT: String(port) })).toEqual([]);
  });

  it('built for one app does not pass as another, and refuses an unknown APP', () => {
    const problems = checkDockerfileRules('Dockerfile', content, 'orders-service', 3001, { APP: 'auth-service', APP_PORT: '3000' }).join('\n');
    expect(problems).toMatch(/Nx build of orders-service/);
    expect(problems).toMatch(/EXPOSE 3001/);
    expect(content).toMatch(/case "\$APP" in auth-service\|orders-service\|inventory-service\) ;; \*\).*exit 1/);
  });

  it('is the only service Dockerfile, and compose builds every service from it with its APP and port', () => {
    for (const [app] of APPS) expect(existsSync(repoPath(`apps/${app}/Dockerfile`))).toBe(false);
    const compose = parse(readFileSync(repoPath('docker-compose.yml'), 'utf8')) as { services: Record<string, { build?: { dockerfile?: string; args?: Record<string, string> } }> };
    for (const [app, port] of APPS) {
      expect(compose.services[app]?.build).toEqual({ context: '.', dockerfile: 'Dockerfile', args: { APP: app, APP_PORT: String(port) } });
    }
  });

  it('.dockerignore keeps dependencies, build output, git and local secrets out of the context', () => {
    const entries = readFileSync(repoPath('.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const required of ['.git', '**/node_modules', 'dist', '.local', '.env', '**/*.env', 'deploy', 'k8s']) expect(entries).toContain(required);
  });
});

describe('a deliberately broken Dockerfile fails validation', () => {
  const content = readFileSync(repoPath('tools/deploy-check/fixtures/broken.Dockerfile'), 'utf8');

  it('lint: two CMD instructions are reported', () => {
    expect(lintDockerfile('broken.Dockerfile', content).join('\n')).toMatch(/only be one CMD/);
  });

  it('rules: single stage, root, no HEALTHCHECK, secret ENV, no NODE_ENV are reported', () => {
    const problems = checkDockerfileRules('broken.Dockerfile', content, 'auth-service', 3000).join('\n');
    expect(problems).toMatch(/must be multi-stage/);
    expect(problems).toMatch(/numeric non-root USER/);
    expect(problems).toMatch(/HEALTHCHECK run by node/);
    expect(problems).toMatch(/no secrets in ENV/);
    expect(problems).toMatch(/NODE_ENV=production/);
    expect(problems).toMatch(/runtime base must be node:20 slim or alpine/);
  });
});
