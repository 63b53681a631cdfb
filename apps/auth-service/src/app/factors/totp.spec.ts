import { Secret, TOTP } from 'otpauth';
import { newTotpSecret, totpStep, totpUri } from './totp';

describe('totp (RFC 6238)', () => {
  // RFC 6238 Appendix B, SHA-1 (8 digits there; the same HOTP values truncated to 6 here).
  const rfcSecret = new Secret({ buffer: new TextEncoder().encode('12345678901234567890').buffer }).base32;

  it('accepts the RFC test vectors at their time and one step of drift, nothing further', () => {
    const at = 59_000;
    const code = new TOTP({ secret: Secret.fromBase32(rfcSecret), digits: 6, period: 30 }).generate({ timestamp: at });
    expect(code).toBe('287082');
    expect(totpStep(rfcSecret, code, at)).toBe(1);
    expect(totpStep(rfcSecret, code, at + 30_000)).toBe(1);
    expect(totpStep(rfcSecret, code, at - 30_000)).toBe(1);
    expect(totpStep(rfcSecret, code, at + 60_000)).toBeNull();
  });

  it.each(['', '12345', '1234567', 'abcdef', ' 287082', '２８７０８２'])('refuses a malformed code %p', (code) => {
    expect(totpStep(rfcSecret, code, 59_000)).toBeNull();
  });

  it('makes 160-bit secrets and an otpauth URI with issuer and account', () => {
    const s = newTotpSecret();
    expect(s).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(s);
    const uri = new URL(totpUri(s, 'a@example.com', 'Gatehouse'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(s);
    expect(uri.searchParams.get('issuer')).toBe('Gatehouse');
  });
});
