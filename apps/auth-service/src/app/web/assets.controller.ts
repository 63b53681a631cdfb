import { ROOT_LOGGER, Public } from '@gatehouse/service-runtime';
import { Controller, Get, Inject, type OnModuleInit, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { loadStylesheet } from './assets';

/** GET /assets/app.css: the dashboard's stylesheet (the CSP allows styles only from here). */
@Public()
@Controller('assets')
export class AssetsController implements OnModuleInit {
  constructor(@Inject(ROOT_LOGGER) private readonly log: Logger) {}

  onModuleInit(): void {
    if (!loadStylesheet()) this.log.warn('web dashboard stylesheet (assets/app.css) not found: pages render unstyled');
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
