/**
 * Messages a redirect may ask a page to show. Pages look the key up here, so a crafted URL can
 * choose among these texts but never inject its own.
 */
const NOTICES: Record<string, string> = {
  registered: 'Your account has been created. You can log in now.',
  'logged-out': 'You have been logged out.',
  everywhere: 'You have been logged out everywhere: every browser and API session has ended.',
  'session-ended': 'The session has been ended. Its tokens no longer work.',
  password: 'Your password has been changed. Every other session has been ended.',
  'user-disabled': 'The user has been disabled and all of their sessions ended.',
  'user-enabled': 'The user has been enabled.',
  'client-revoked': 'The client has been revoked. Its tokens are refused from now on.',
  'client-updated': 'The client registration has been saved.',
  'account-deleted': 'Your account has been deleted: every session has ended and your data is gone.',
  'user-deleted': 'The user has been deleted and all of their sessions ended.',
  rotated: 'A new signing key is in use. Tokens signed by older keys no longer verify.',
  'app-removed': 'The app has been removed. Its sessions and tokens have ended.',
  'admin-enrol': 'Administrators need a second factor: set up an authenticator app or a passkey to use the admin pages.',
  'factor-removed': 'The factor has been removed. Every other session has been ended.',
  'passkey-added': 'Your passkey has been added. You can sign in with it, without a password.',
  'totp-restart': 'Scan the new code: the previous one will not work.',
  reauth: 'Sign in again to continue.',
};

/** The notice for `?notice=<key>`, or null. */
export function noticeFor(query: unknown): string | null {
  const key = typeof query === 'object' && query !== null ? (query as Record<string, unknown>)['notice'] : undefined;
  return typeof key === 'string' && Object.hasOwn(NOTICES, key) ? (NOTICES[key] ?? null) : null;
}
