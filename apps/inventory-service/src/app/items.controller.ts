import { ForbiddenError, type AccessTokenClaims } from '@gatehouse/contracts';
import { Principal, Scopes } from '@gatehouse/auth-verify/nest';
import { RequestInvalidError } from '@gatehouse/contracts';
import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { ReservationsService, type Reservation } from './reservations.service';

const skuPattern = /^[a-z0-9][a-z0-9-]{0,63}$/;
const reservationSchema = z.strictObject({ quantity: z.number().int().min(1).max(1000), orderId: z.uuid() });

/** GET /items (any valid token) and POST /items/:sku/reservations (service tokens only). */
@Controller('items')
export class ItemsController {
  constructor(private readonly reservations: ReservationsService) {}

  @Get()
  async list(): Promise<{ items: { sku: string; name: string; stock: number }[] }> {
    return { items: await this.reservations.items() };
  }

  /** Only a service token may reserve: a user token (it has a session) gets 403 even with the scope. */
  @Post(':sku/reservations')
  @HttpCode(201)
  @Scopes('inventory:reserve')
  reserve(@Param('sku') sku: string, @Body() body: unknown, @Principal() caller: AccessTokenClaims): Promise<Reservation> {
    if (caller.sid !== undefined || caller.sub !== caller.client_id) throw new ForbiddenError('Reservations are made by services, not users.');
    if (!skuPattern.test(sku)) throw new RequestInvalidError('The sku is invalid.', [{ path: 'sku', message: 'must be lowercase letters, digits and dashes' }]);
    const parsed = reservationSchema.safeParse(body);
    if (!parsed.success) {
      throw new RequestInvalidError('The request is invalid.', parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })));
    }
    return this.reservations.reserve(sku, parsed.data.quantity, parsed.data.orderId, caller.client_id);
  }
}
