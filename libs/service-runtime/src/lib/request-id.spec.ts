import { requestIdFrom } from './request-id';

describe('requestIdFrom', () => {
  it('keeps a short, plain id', () => {
    expect(requestIdFrom('req-1.2:3_x')).toBe('req-1.2:3_x');
  });
  it.each([['x'.repeat(129)], ['has space'], ['new\nline'], ['{"json":1}'], ['']])('replaces %j with a UUID', (bad) => {
    expect(requestIdFrom(bad)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it('uses the first of repeated headers and generates one when absent', () => {
    expect(requestIdFrom(['a1', 'b2'])).toBe('a1');
    expect(requestIdFrom(undefined)).toHaveLength(36);
  });
});
