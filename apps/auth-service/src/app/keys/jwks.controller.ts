import type { PublicJwk } from '@gatehouse/contracts';
import { Public } from '@gatehouse/service-runtime';
import { Controller, Get, Header } from '@nestjs/common';
import { JWKS_MAX_AGE_SECONDS } from './jwks-cache';
import { KeyStoreService } from './key-store.service';

/** GET /.well-known/jwks.json. */
@Public()
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: KeyStoreService) {}

  @Get('jwks.json')
  @Header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  jwks(): { keys: readonly PublicJwk[] } {
    return { keys: this.keys.publicKeys() };
  }
}
