import { OAuthError, RequestInvalidError } from '@gatehouse/contracts';
import type { z } from 'zod';

/**
 * Validates a request body against a schema; bodies that are not plain objects
 * (arrays, strings, null) are rejected before the schema sees them.
 *
 * @throws RequestInvalidError (`REQUEST_INVALID`) listing each bad field
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestInvalidError('The request body must be a JSON object.');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
  throw new RequestInvalidError('The request is invalid.', issues);
}

/**
 * Like {@link parseBody} for OAuth endpoints: failures become `invalid_request`.
 *
 * @throws OAuthError `invalid_request` naming the first bad parameter
 */
export function parseOAuthBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new OAuthError('invalid_request', 'The request body must be form-encoded or a JSON object.');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  const where = first && first.path.length > 0 ? first.path.join('.') : 'request';
  throw new OAuthError('invalid_request', `Invalid or missing parameter: ${where}.`);
}
