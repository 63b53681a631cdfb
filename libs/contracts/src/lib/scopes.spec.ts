import { isValidClientId, parseScope } from '../index';

describe('parseScope', () => {
  it('splits, trims and de-duplicates', () => {
    expect(parseScope(' orders:read  orders:write orders:read ')).toEqual(['orders:read', 'orders:write']);
  });
  it('rejects quotes, backslashes and control characters', () => {
    expect(parseScope('a"b')).toBeNull();
    expect(parseScope('a\\b')).toBeNull();
    expect(parseScope('a\u0000b')).toBeNull();
  });
  it('treats an empty string as no scopes', () => {
    expect(parseScope('')).toEqual([]);
  });
});

describe('isValidClientId', () => {
  it('accepts service-style ids', () => {
    expect(isValidClientId('orders-service')).toBe(true);
  });
  it('rejects UUID-shaped ids so they cannot collide with user subjects', () => {
    expect(isValidClientId('abcdef01-2345-6789-abcd-ef0123456789')).toBe(false);
  });
  it('rejects uppercase, short and odd ids', () => {
    expect(isValidClientId('Orders')).toBe(false);
    expect(isValidClientId('ab')).toBe(false);
    expect(isValidClientId('a b c')).toBe(false);
  });
});
