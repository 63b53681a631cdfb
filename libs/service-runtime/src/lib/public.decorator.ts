import { SetMetadata } from '@nestjs/common';

/** Metadata key read by the global auth guard. */
export const IS_PUBLIC_KEY = 'gatehouse:isPublic';

/**
 * Marks a route or controller as reachable without a bearer token. Everything else is
 * protected by the global guard.
 *
 * @example
 * \@Public() \@Get('health/live') live() { return { status: 'ok' }; }
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);
