import { html, type SafeHtml } from '../html';
import { layout, messages } from './layout';
import { PASSKEY_SCRIPTS } from './security-page';

/** What the second step of /login shows. */
export interface SecondFactorView {
  csrfToken: string;
  totp: boolean;
  passkey: boolean;
  errors?: string[];
}

/** GET /login/second-factor: a code from the app, a passkey, or a recovery code. */
export function secondFactorPage(view: SecondFactorView): SafeHtml {
  return layout({
    title: 'Second factor',
    scripts: view.passkey ? PASSKEY_SCRIPTS : [],
    main: html`<section class="card narrow" aria-labelledby="h">
  <h1 id="h">Confirm it is you</h1>
  ${messages(null, view.errors)}
  ${
    view.totp
      ? html`<form method="post" action="/login/second-factor">
    <input type="hidden" name="csrf" value="${view.csrfToken}">
    <label for="code">Code from your authenticator app</label>
    <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>
    <button type="submit">Continue</button>
  </form>`
      : ''
  }
  ${
    view.passkey
      ? html`<p><button type="button" data-passkey="login" data-options="/login/second-factor/passkey/options" data-verify="/login/second-factor/passkey" data-csrf="${view.csrfToken}">Use a passkey</button></p>
  <p class="hint" aria-live="polite" data-passkey-status></p>`
      : ''
  }
  <details>
    <summary>Use a recovery code</summary>
    <form method="post" action="/login/second-factor">
      <input type="hidden" name="csrf" value="${view.csrfToken}">
      <label for="recovery_code">Recovery code</label>
      <input id="recovery_code" name="recovery_code" autocomplete="off" maxlength="64" required>
      <button type="submit">Continue</button>
    </form>
  </details>
  <p><a href="/login">Start over</a></p>
</section>`,
  });
}
