import { amrOf, isMultiFactor } from './amr';

describe('amrOf (RFC 8176)', () => {
  it.each([
    [['pwd'], ['pwd']],
    [['pwd', 'otp'], ['pwd', 'otp', 'mfa']],
    [['pwd', 'hwk', 'user'], ['pwd', 'hwk', 'user', 'mfa']],
    [['hwk', 'user'], ['hwk', 'user', 'mfa']],
    [['hwk'], ['hwk']],
    [['otp'], ['otp']],
    [['pwd', 'otp', 'mfa', 'otp'], ['pwd', 'otp', 'mfa']],
    [['pwd', 'mfa', 'bogus'], ['pwd']],
  ])('%j → %j', (methods, amr) => {
    expect(amrOf(methods)).toEqual(amr);
    expect(isMultiFactor(amrOf(methods))).toBe(amr.includes('mfa'));
  });
  it('a missing amr is not multi-factor', () => {
    expect(isMultiFactor(undefined)).toBe(false);
  });
});
