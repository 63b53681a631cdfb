import { InsufficientScopeError } from '@gatehouse/contracts';
import { assertScopes } from './scopes';

describe('assertScopes', () => {
  it.each([
    ['orders:read', ['orders:read']],
    ['orders:read orders:write', ['orders:write', 'orders:read']],
    ['a orders:read b', ['orders:read']],
    ['orders:readx orders:read', ['orders:read']],
    ['anything', []],
  ])('admits %j for %j', (scope, required) => {
    expect(() => assertScopes({ scope }, required)).not.toThrow();
  });

  it.each([
    ['', ['orders:read']],
    ['orders:readx', ['orders:read']],
    ['xorders:read', ['orders:read']],
    ['orders:rea', ['orders:read']],
    ['orders:read-orders:write', ['orders:write']],
    ['orders:read', ['orders:read', 'orders:write']],
    ['orders:read', ['']],
  ])('refuses %j for %j with 403 insufficient_scope', (scope, required) => {
    expect(() => assertScopes({ scope }, required)).toThrow(InsufficientScopeError);
  });
});
