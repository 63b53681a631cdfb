import { html, type SafeHtml } from '../html';
import { layout, messages } from './layout';
import { PASSKEY_SCRIPTS } from './security-page';

/** What the login and registration forms show. */
export interface AuthFormView {
  csrfToken: string;
  email?: string;
  notice?: string | null;
  errors?: string[];
  /** A pending authorization request the login returns to. */
  authz?: string;
}

/** GET /login. Errors never say whether the account exists. */
export function loginPage(view: AuthFormView): SafeHtml {
  return layout({
    title: 'Log in',
    scripts: PASSKEY_SCRIPTS,
    main: html`<section class="card narrow" aria-labelledby="h">
  <h1 id="h">Log in</h1>
  ${messages(view.notice, view.errors)}
  <form method="post" action="/login">
    <input type="hidden" name="csrf" value="${view.csrfToken}">
    ${view.authz ? html`<input type="hidden" name="authz" value="${view.authz}">` : ''}
    <label for="email">Email</label>
    <input id="email" name="email" type="email" autocomplete="username" required maxlength="254" value="${view.email ?? ''}" autofocus>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
    <button type="submit">Log in</button>
  </form>
  <p><button type="button" class="secondary" data-passkey="login" data-options="/login/passkey/options" data-verify="/login/passkey" data-csrf="${view.csrfToken}"${view.authz ? html` data-authz="${view.authz}"` : ''}>Sign in with a passkey</button></p>
  <p class="hint" aria-live="polite" data-passkey-status></p>
  <p class="muted">No account yet? <a href="/register">Create one</a>.</p>
</section>`,
  });
}

/** GET /register. */
export function registerPage(view: AuthFormView): SafeHtml {
  return layout({
    title: 'Create account',
    main: html`<section class="card narrow" aria-labelledby="h">
  <h1 id="h">Create an account</h1>
  ${messages(view.notice, view.errors)}
  <form method="post" action="/register">
    <input type="hidden" name="csrf" value="${view.csrfToken}">
    <label for="email">Email</label>
    <input id="email" name="email" type="email" autocomplete="email" required maxlength="254" value="${view.email ?? ''}" autofocus>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="1024" aria-describedby="password-hint">
    <p id="password-hint" class="hint">At least 8 characters.</p>
    <label for="confirm">Repeat password</label>
    <input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="8" maxlength="1024">
    <button type="submit">Create account</button>
  </form>
  <p class="muted">Already registered? <a href="/login">Log in</a>.</p>
</section>`,
  });
}

/** GET /logout: a confirmation form, because logging out changes state and must not happen on a GET. */
export function logoutPage(user: { email: string; isAdmin: boolean; csrfToken: string }): SafeHtml {
  return layout({
    title: 'Log out',
    user,
    main: html`<section class="card narrow" aria-labelledby="h">
  <h1 id="h">Log out</h1>
  <p>End this browser's session?</p>
  <form method="post" action="/logout">
    <input type="hidden" name="csrf" value="${user.csrfToken}">
    <button type="submit">Log out</button>
  </form>
  <p><a href="/account">Back to your account</a></p>
</section>`,
  });
}

/** Any error page: status, a safe message and a way back. */
export function errorPage(status: number, message: string, user?: { email: string; isAdmin: boolean; csrfToken: string }): SafeHtml {
  const title = status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : status === 429 ? 'Too many attempts' : status >= 500 ? 'Something went wrong' : 'Request refused';
  return layout({
    title,
    user,
    main: html`<section class="card narrow" aria-labelledby="h">
  <h1 id="h">${title}</h1>
  <p role="alert">${message}</p>
  <p><a href="${user ? '/account' : '/login'}">${user ? 'Back to your account' : 'Go to the login page'}</a></p>
</section>`,
  });
}
