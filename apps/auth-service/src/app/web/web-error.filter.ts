import { GatehouseError } from '@gatehouse/contracts';
import { ROOT_LOGGER } from '@gatehouse/service-runtime';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { clearCookie, SESSION_COOKIE } from './cookies';
import { redirect, sendPage } from './respond';
import { errorPage } from './views/auth-pages';
import { WebLoginRequired, WebSecondFactorRequired } from './web-errors';
import { pageUser, type WebRequest } from './web-session.guard';

/**
 * Errors on dashboard routes become HTML: a redirect to /login when there is no session, an
 * error page with a safe message otherwise. Unknown errors are logged and shown as a fixed 500.
 */
@Catch()
export class WebErrorFilter implements ExceptionFilter {
  constructor(@Inject(ROOT_LOGGER) private readonly log: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<WebRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof WebLoginRequired) {
      // A cookie that no longer opens a session is dropped, so the browser stops sending it.
      if (req.headers.cookie?.includes(SESSION_COOKIE)) clearCookie(reply, SESSION_COOKIE);
      redirect(reply, '/login');
      return;
    }
    if (exception instanceof WebSecondFactorRequired) {
      redirect(reply, '/account/security?notice=admin-enrol');
      return;
    }
    const user = req.webSession ? pageUser(req.webSession) : undefined;
    if (exception instanceof GatehouseError) {
      for (const [name, value] of Object.entries(exception.headers)) void reply.header(name, value);
      sendPage(reply, exception.status, errorPage(exception.status, exception.message, user));
      return;
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      sendPage(reply, exception.getStatus(), errorPage(exception.getStatus(), 'The request could not be handled.', user));
      return;
    }
    this.log.error({ reqId: String(req.id), err: exception }, 'web request failed');
    sendPage(reply, 500, errorPage(500, 'Something went wrong on our side. Please try again.', user));
  }
}
