import type { Provider, Type } from '@nestjs/common';
import { AccountController } from './account.controller';
import { AssetsController } from './assets.controller';
import { deriveWebFormKey, WEB_FORM_KEY } from './csrf';
import { WebAdminClientsController } from './web-admin-clients.controller';
import { WebAdminController } from './web-admin.controller';
import { WebAdminService } from './web-admin.service';
import { WebAuthController } from './web-auth.controller';
import { WebFactorsController } from './web-factors.controller';
import { WebSecondFactorController } from './web-second-factor.controller';
import { WebSignIn } from './web-sign-in.service';
import { WebAdminGuard } from './web-admin.guard';
import { WebSessionGuard } from './web-session.guard';
import { WebSessionStore } from './web-session.store';

/** Controllers of the server-rendered dashboard (/login and its second factor, /register, /account and its security page, /logout, /admin, /assets). */
export const WEB_CONTROLLERS: Type<unknown>[] = [WebAuthController, WebSecondFactorController, AccountController, WebFactorsController, WebAdminController, WebAdminClientsController, AssetsController];

/** Providers of the dashboard; the form key is derived from the key encryption key. */
export function webProviders(kek: Buffer): Provider[] {
  return [WebSessionStore, WebSignIn, WebSessionGuard, WebAdminGuard, WebAdminService, { provide: WEB_FORM_KEY, useValue: deriveWebFormKey(kek) }];
}
