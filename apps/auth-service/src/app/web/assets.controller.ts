import { ROOT_LOGGER, Public } from '@gatehouse/service-runtime';
import { Controller, Get, Inject, type OnModuleInit, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { loadScript, loadStylesheet, type StaticAsset } from './assets';

/** GET /assets/app.css and the passkey scripts: the CSP allows styles and scripts only from here. */
@Public()
@Controller('assets')
export class AssetsController implements OnModuleInit {
  constructor(@Inject(ROOT_LOGGER) private readonly log: Logger) {}

  onModuleInit(): void {
    if (!loadStylesheet()) this.log.warn('web dashboard stylesheet (assets/app.css) not found: pages render unstyled');
    for (const name of ['passkeys.js', 'vendor/simplewebauthn-browser.js']) {
      if (!loadScript(name)) this.log.warn({ asset: name }, 'web dashboard script not found: passkeys will not work');
    }
  }

  @Get('passkeys.js')
  passkeys(@Req() req: FastifyRequest, @Res() reply: FastifyReply): void {
    sendAsset(req, reply, loadScript('passkeys.js'));
  }

  @Get('vendor/simplewebauthn-browser.js')
  webauthnBrowser(@Req() req: FastifyRequest, @Res() reply: FastifyReply): void {
    sendAsset(req, reply, loadScript('vendor/simplewebauthn-browser.js'));
  }

  @Get('app.css')
  stylesheet(@Req() req: FastifyRequest, @Res() reply: FastifyReply): void {
    const sheet = loadStylesheet();
    if (!sheet) {
      void reply.status(404).type('text/plain; charset=utf-8').send('Not found');
      return;
    }
    const etag = `"${sheet.version}"`;
    void reply
      .header('etag', etag)
      .header('cache-control', 'public, max-age=86400')
      .header('cross-origin-resource-policy', 'same-origin')
      .type('text/css; charset=utf-8');
    if (req.headers['if-none-match'] === etag) {
      void reply.status(304).send();
      return;
    }
    void reply.send(sheet.css);
  }
}

/** A script with its ETag; cached for a day like the stylesheet, revalidated by ETag. */
function sendAsset(req: FastifyRequest, reply: FastifyReply, asset: StaticAsset | null): void {
  if (!asset) {
    void reply.status(404).type('text/plain; charset=utf-8').send('Not found');
    return;
  }
  const etag = `"${asset.version}"`;
  void reply.header('etag', etag).header('cache-control', 'public, max-age=86400').header('cross-origin-resource-policy', 'same-origin').header('x-content-type-options', 'nosniff').type(asset.type);
  if (req.headers['if-none-match'] === etag) {
    void reply.status(304).send();
    return;
  }
  void reply.send(asset.body);
}
