import { bearerFromSingleHeader } from '@gatehouse/auth-verify';
import { Principal, Scopes } from '@gatehouse/auth-verify/nest';
import { InvalidTokenError, RequestInvalidError, type AccessTokenClaims } from '@gatehouse/contracts';
import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { OrdersService, type Order } from './orders.service';

const newOrder = z.strictObject({ sku: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lowercase letters, digits and dashes'), quantity: z.number().int().min(1).max(1000) });

/** GET /orders (orders:read) and POST /orders (orders:write). */
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Get()
  @Scopes('orders:read')
  async list(@Principal() caller: AccessTokenClaims): Promise<{ orders: Order[] }> {
    return { orders: await this.orders.list(caller.sub) };
  }

  @Post()
  @HttpCode(201)
  @Scopes('orders:write')
  create(@Principal() caller: AccessTokenClaims, @Body() body: unknown, @Req() req: FastifyRequest): Promise<Order> {
    const parsed = newOrder.safeParse(body);
    if (!parsed.success) {
      throw new RequestInvalidError('The request is invalid.', parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })));
    }
    // The guard verified this very token; it is exchanged for one addressed to inventory, never forwarded.
    const accessToken = bearerFromSingleHeader(req);
    if (!accessToken) throw new InvalidTokenError();
    return this.orders.create({ userId: caller.sub, accessToken }, parsed.data.sku, parsed.data.quantity, String(req.id));
  }
}
