import { bearerFromSingleHeader } from './bearer';

describe('bearerFromSingleHeader', () => {
  const req = (...rawHeaders: string[]) => ({ rawHeaders });

  it.each([
    [['Authorization', 'Bearer abc.def.ghi'], 'abc.def.ghi'],
    [['authorization', 'bearer abc'], 'abc'],
    [['AUTHORIZATION', 'BEARER  abc  '], 'abc'],
    [['Host', 'x', 'Authorizatio', 'Bearer nope', 'Authorization', 'Bearer abc'], 'abc'],
  ])('reads %j', (headers, token) => {
    expect(bearerFromSingleHeader(req(...headers))).toBe(token);
  });

  it.each([
    [[]],
    [['Authorization', 'Basic abc']],
    [['Authorization', 'Bearer ']],
    [['Authorization', 'Bearer a b']],
    [['Authorization', 'Bearerabc']],
    [['Authorization', 'Bearer abc', 'authorization', 'Bearer abc']],
    [['X-Authorization', 'Bearer abc']],
  ])('refuses %j', (headers) => {
    expect(bearerFromSingleHeader(req(...headers))).toBeNull();
  });

  it('reads Fastify requests through raw', () => {
    expect(bearerFromSingleHeader({ raw: { rawHeaders: ['Authorization', 'Bearer t'] } })).toBe('t');
  });
});
