import type { FactorSummary } from '../../factors/factors.service';
import { html, raw, type SafeHtml } from '../html';
import { csrfField, layout, messages, when, type PageUser } from './layout';

/** The WebAuthn scripts: SimpleWebAuthn's browser bundle, then ours (both from 'self'). */
export const PASSKEY_SCRIPTS = ['/assets/vendor/simplewebauthn-browser.js', '/assets/passkeys.js'] as const;

/** What /account/security shows. */
export interface SecurityView {
  user: PageUser;
  factors: FactorSummary[];
  recoveryCodesLeft: number;
  /** Whether removing a factor needs a new sign-in first. */
  freshSignIn: boolean;
  notice?: string | null;
  errors?: string[];
}

function factorRow(f: FactorSummary, csrf: string): SafeHtml {
  return html`<tr>
  <th scope="row">${f.kind === 'totp' ? 'Authenticator app' : html`Passkey: ${f.label}`}</th>
  <td>${when(f.createdAt)}</td>
  <td>${when(f.lastUsedAt)}</td>
  <td>
    <form method="post" action="/account/security/factors/${f.id}/remove" class="inline">
      ${csrfField(csrf)}
      <button type="submit" class="danger">Remove</button>
    </form>
  </td>
</tr>`;
}

/** GET /account/security: second factors (authenticator app, passkeys) and recovery codes. */
export function securityPage(view: SecurityView): SafeHtml {
  const csrf = view.user.csrfToken;
  const hasTotp = view.factors.some((f) => f.kind === 'totp');
  return layout({
    title: 'Sign-in security',
    user: view.user,
    section: 'account',
    scripts: PASSKEY_SCRIPTS,
    main: html`<h1>Sign-in security</h1>
${messages(view.notice, view.errors)}
<section class="card" aria-labelledby="factors-h">
  <h2 id="factors-h">Your second factors</h2>
  ${
    view.factors.length === 0
      ? html`<p>None yet: you sign in with your password alone.</p>`
      : html`<table>
    <thead><tr><th scope="col">Factor</th><th scope="col">Added</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
    <tbody>${view.factors.map((f) => factorRow(f, csrf))}</tbody>
  </table>
  ${view.freshSignIn ? '' : html`<p class="hint">Removing a factor needs a recent sign-in: <a href="/login?reauth=1">sign in again</a> first. It ends every other session.</p>`}`
  }
</section>
${
  hasTotp
    ? ''
    : html`<section class="card" aria-labelledby="totp-h">
  <h2 id="totp-h">Authenticator app</h2>
  <p>Use one-time codes from an app such as Aegis, Google Authenticator or 1Password.</p>
  <form method="post" action="/account/security/totp">
    ${csrfField(csrf)}
    <button type="submit">Set up an authenticator app</button>
  </form>
</section>`
}
<section class="card" aria-labelledby="passkey-h">
  <h2 id="passkey-h">Passkeys</h2>
  <p>A passkey signs you in without a password, or serves as the second factor after it.</p>
  <label for="passkey-label">Name of this passkey</label>
  <input id="passkey-label" type="text" maxlength="64" value="Passkey" data-passkey-label>
  <button type="button" data-passkey="register" data-options="/account/security/passkeys/options" data-verify="/account/security/passkeys" data-csrf="${csrf}">Add a passkey</button>
  <p class="hint" aria-live="polite" data-passkey-status></p>
</section>
<section class="card" aria-labelledby="recovery-h">
  <h2 id="recovery-h">Recovery codes</h2>
  <p>${recoveryText(view)}</p>
  ${
    view.factors.length === 0
      ? ''
      : html`<form method="post" action="/account/security/recovery-codes">
    ${csrfField(csrf)}
    <button type="submit">${view.recoveryCodesLeft === 0 ? 'Make recovery codes' : 'Make new recovery codes'}</button>
    ${view.recoveryCodesLeft === 0 ? '' : html`<span class="hint">The old ones stop working.</span>`}
  </form>`
  }
</section>
<p><a href="/account">Back to your account</a></p>`,
  });
}

function recoveryText(view: SecurityView): string {
  if (view.factors.length === 0) return 'You get ten recovery codes with your first authenticator app, or make them after adding a passkey.';
  if (view.recoveryCodesLeft === 0) return 'You have no unused recovery codes. Make them now, in case you lose your second factors.';
  return `${view.recoveryCodesLeft} of 10 unused. Each code works once, if you lose your second factor.`;
}

/** GET /account/security/totp: the QR code (inline SVG, no script), the key as text and the confirmation form. */
export function totpSetupPage(view: { user: PageUser; qrSvg: string; secret: string; errors?: string[] }): SafeHtml {
  const grouped = view.secret.match(/.{1,4}/g)?.join(' ') ?? view.secret;
  return layout({
    title: 'Set up an authenticator app',
    user: view.user,
    section: 'account',
    main: html`<section class="card narrow" aria-labelledby="h">
  <h1 id="h">Set up an authenticator app</h1>
  ${messages(null, view.errors)}
  <p>Scan this code with your authenticator app:</p>
  <figure class="qr" aria-label="QR code of the key">${raw(view.qrSvg)}</figure>
  <p>Or enter this key by hand: <code data-totp-secret>${grouped}</code></p>
  <form method="post" action="/account/security/totp/confirm">
    ${csrfField(view.user.csrfToken)}
    <label for="code">The 6-digit code the app shows</label>
    <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>
    <button type="submit">Turn on</button>
  </form>
  <p><a href="/account/security">Cancel</a></p>
</section>`,
  });
}

/** Shown once, right after they are made: the ten recovery codes. */
export function recoveryCodesPage(view: { user: PageUser; codes: string[]; notice: string }): SafeHtml {
  return layout({
    title: 'Recovery codes',
    user: view.user,
    section: 'account',
    main: html`<section class="card narrow" aria-labelledby="h">
  <h1 id="h">Your recovery codes</h1>
  ${messages(view.notice)}
  <p>Keep these somewhere safe. Each one signs you in once if you lose your second factor. They are shown only now.</p>
  <ul class="codes" data-recovery-codes>${view.codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
  <p><a href="/account/security">Done</a></p>
</section>`,
  });
}
