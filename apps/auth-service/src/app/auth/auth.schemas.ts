import { SCOPE_TOKEN } from '@gatehouse/contracts';
import { z } from 'zod';
import { MAX_PASSWORD_BYTES } from '../users/password-hasher.service';

/** Emails are trimmed and lower-cased; one account per address. */
export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .toLowerCase()
  .regex(/^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u, 'must be an email address');

/** Passwords: 8 characters to 1,024 UTF-8 bytes. NUL and any Unicode are allowed (pre-hashed). */
export const passwordSchema = z
  .string()
  .min(8, 'must be at least 8 characters')
  .refine((p) => Buffer.byteLength(p, 'utf8') <= MAX_PASSWORD_BYTES, `must be at most ${MAX_PASSWORD_BYTES} bytes`);

/** Body of POST /auth/register. */
export const registerSchema = z.strictObject({ email: emailSchema, password: passwordSchema });

const audienceName = z.string().regex(/^[a-z][a-z0-9._-]{0,63}$/);

/** Body of POST /auth/login. Wrong-shaped credentials fail like wrong ones, never more informatively. */
export const loginSchema = z.strictObject({
  email: z.string().max(1024),
  password: z.string().max(4096),
  client_id: z.string().min(1).max(64).optional(),
  audience: z.union([audienceName, z.array(audienceName).min(1).max(16)]).optional(),
  scope: z
    .string()
    .max(1024)
    .refine((v) => v.split(' ').every((s) => s === '' || SCOPE_TOKEN.test(s)), 'must be space-separated scope tokens')
    .optional(),
});

/** Parsed login body. */
export type LoginInput = z.infer<typeof loginSchema>;

/** Body of POST /auth/login/second-factor: the challenge and exactly one of a TOTP code or a recovery code. */
export const secondFactorSchema = z
  .strictObject({
    challenge: z.string().min(1).max(64),
    code: z.string().max(16).optional(),
    recovery_code: z.string().max(64).optional(),
  })
  .refine((b) => (b.code === undefined) !== (b.recovery_code === undefined), { message: 'give either code or recovery_code', path: ['code'] });

/** Parsed second-step body. */
export type SecondFactorInput = z.infer<typeof secondFactorSchema>;
