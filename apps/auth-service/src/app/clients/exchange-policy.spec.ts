import { checkClientMetadata } from './client-metadata';
import { checkExchangePolicy, formatExchangeTarget, parseExchangeTarget, type ExchangePolicy } from './exchange-policy';

const AUDIENCES = ['orders', 'inventory', 'billing'];

function issuesOf(policy: ExchangePolicy): string[] {
  const issues: { path: string; message: string }[] = [];
  checkExchangePolicy(policy, AUDIENCES, issues);
  return issues.map((i) => i.path);
}

describe('token-exchange policy', () => {
  it('reads and writes the text form of a target', () => {
    expect(parseExchangeTarget('inventory=inventory:reserve requires orders:write')).toEqual({ audience: 'inventory', scopes: ['inventory:reserve'], subjectScopes: ['orders:write'] });
    expect(parseExchangeTarget(' billing = billing:read billing:charge ')).toEqual({ audience: 'billing', scopes: ['billing:read', 'billing:charge'], subjectScopes: [] });
    for (const bad of ['inventory', '=inventory:reserve', 'Inventory=x', 'inventory=x requires a requires b']) expect(parseExchangeTarget(bad)).toBeNull();
    const target = { audience: 'inventory', scopes: ['inventory:reserve'], subjectScopes: ['orders:write', 'orders:read'] };
    expect(parseExchangeTarget(formatExchangeTarget(target))).toEqual(target);
  });

  it('accepts a policy of registered audiences and scope tokens, de-duplicating scopes', () => {
    const issues: { path: string; message: string }[] = [];
    const policy = checkExchangePolicy({ subjectAudience: 'orders', targets: [{ audience: 'inventory', scopes: ['inventory:reserve', 'inventory:reserve'], subjectScopes: ['orders:write'] }] }, AUDIENCES, issues);
    expect(issues).toEqual([]);
    expect(policy).toEqual({ subjectAudience: 'orders', targets: [{ audience: 'inventory', scopes: ['inventory:reserve'], subjectScopes: ['orders:write'] }] });
    expect(checkExchangePolicy(null, AUDIENCES, issues)).toBeNull();
  });

  it('names every problem', () => {
    expect(issuesOf({ subjectAudience: 'nowhere', targets: [] })).toEqual(['token_exchange.subject_audience', 'token_exchange.targets']);
    expect(issuesOf({ subjectAudience: 'orders', targets: [{ audience: 'orders', scopes: ['x'], subjectScopes: [] }] })).toEqual(['token_exchange.targets.0.audience']);
    expect(
      issuesOf({
        subjectAudience: 'orders',
        targets: [
          { audience: 'inventory', scopes: [], subjectScopes: ['bad scope"'] },
          { audience: 'inventory', scopes: ['openid'], subjectScopes: [] },
          { audience: 'elsewhere', scopes: ['x'], subjectScopes: [] },
        ],
      }),
    ).toEqual(['token_exchange.targets.0.scope', 'token_exchange.targets.0.subject_scope', 'token_exchange.targets.1.audience', 'token_exchange.targets.1.scope', 'token_exchange.targets.2.audience']);
  });

  it('is stored with the client metadata; a public client cannot have one', () => {
    const policy = { subjectAudience: 'orders', targets: [{ audience: 'inventory', scopes: ['inventory:reserve'], subjectScopes: [] }] };
    expect(checkClientMetadata('orders-service', { audiences: ['inventory'], scopes: ['inventory:reserve'], tokenExchange: policy }, AUDIENCES).tokenExchange).toEqual(policy);
    expect(checkClientMetadata('orders-service', { audiences: ['inventory'] }, AUDIENCES).tokenExchange).toBeNull();
    expect(() => checkClientMetadata('spa', { tokenEndpointAuthMethod: 'none', redirectUris: ['https://app.example.com/cb'], tokenExchange: policy }, AUDIENCES)).toThrow(
      expect.objectContaining({ code: 'REQUEST_INVALID', issues: expect.arrayContaining([expect.objectContaining({ path: 'token_exchange' })]) }),
    );
  });
});
