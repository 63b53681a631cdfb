import { readFileSync } from 'node:fs';
import { checkDockerfileRules, lintDockerfile } from './lib/dockerfile-check';
import { repoPath } from './lib/repo-paths';

const APPS = [['auth-service', 3000], ['orders-service', 3001], ['inventory-service', 3002]] as const;

describe('Dockerfiles', () => {
  it.each(APPS)('apps/%s/Dockerfile passes the linter and our rules', (app, port) => {
    const name = `apps/${app}/Dockerfile`;
    const content = readFileSync(repoPath(name), 'utf8');
    expect(lintDockerfile(name, content)).toEqual([]);
    expect(checkDockerfileRules(name, content, app, port)).toEqual([]);
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
