/** DI token of the validated {@link AuthConfig}. */
export const AUTH_CONFIG = Symbol('AUTH_CONFIG');
