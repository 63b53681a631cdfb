import { Delegation, GatehouseVerifier, Principal, Scopes } from '@gatehouse/auth-verify/nest';
import { GatehouseError, RequestInvalidError, type AccessTokenClaims } from '@gatehouse/contracts';
import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { INVENTORY_CONFIG, type InventoryConfig } from './config.schema';
import { ReservationsService, type Reservation } from './reservations.service';

const skuPattern = /^[a-z0-9][a-z0-9-]{0,63}$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const reservationSchema = z.strictObject({ quantity: z.number().int().min(1).max(1000), orderId: z.uuid() });

/**
 * GET /items (any valid token); POST /items/:sku/reservations, only for a service acting for a
 * user (an exchanged token, RFC 8693) whose actor is one of `RESERVATION_ACTORS`; GET
 * /items/reservations/:id for the user it was made for or the service that made it.
 */
@Controller('items')
export class ItemsController {
  constructor(
    private readonly reservations: ReservationsService,
    private readonly verifier: GatehouseVerifier,
    @Inject(INVENTORY_CONFIG) private readonly config: InventoryConfig,
  ) {}

  @Get()
  async list(): Promise<{ items: { sku: string; name: string; stock: number }[] }> {
    return { items: await this.reservations.items() };
  }

  /** A user's own token, or a service's own token, gets 403: reservations are made by a listed service on behalf of a user. */
  @Post(':sku/reservations')
  @HttpCode(201)
  @Scopes('inventory:reserve')
  @Delegation({ require: true })
  reserve(@Param('sku') sku: string, @Body() body: unknown, @Principal() caller: AccessTokenClaims): Promise<Reservation> {
    this.verifier.authorizeDelegation(caller, { require: true, actors: this.config.RESERVATION_ACTORS });
    if (!skuPattern.test(sku)) throw new RequestInvalidError('The sku is invalid.', [{ path: 'sku', message: 'must be lowercase letters, digits and dashes' }]);
    const parsed = reservationSchema.safeParse(body);
    if (!parsed.success) {
      throw new RequestInvalidError('The request is invalid.', parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })));
    }
    return this.reservations.reserve(sku, parsed.data.quantity, parsed.data.orderId, { reservedBy: caller.client_id, userId: caller.sub });
  }

  /** One reservation, for the user it was made for (own token) or the service that made it; 404 for anyone else. */
  @Get('reservations/:id')
  async reservation(@Param('id') id: string, @Principal() caller: AccessTokenClaims): Promise<Reservation> {
    const found = uuidPattern.test(id) ? await this.reservations.find(id) : null;
    const mine = found && (caller.act === undefined ? caller.sub === found.userId || caller.sub === found.reservedBy : caller.sub === found.userId && caller.client_id === found.reservedBy);
    if (!found || !mine) throw new GatehouseError('REQUEST_NOT_FOUND', 404, 'No such reservation.');
    return found;
  }
}
