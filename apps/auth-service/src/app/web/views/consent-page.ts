import { html, type SafeHtml } from '../html';
import { layout, type PageUser } from './layout';

/** What the consent page shows. */
export interface ConsentView {
  user: PageUser;
  clientName: string;
  clientId: string;
  redirectHost: string;
  scopes: string[];
  audiences: string[];
  /** The sealed pending request the form sends back. */
  authz: string;
}

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Sign you in with your Gatehouse account',
  profile: 'See your basic profile',
  email: 'See your e-mail address',
  offline_access: 'Stay signed in when you are not using it (a refresh token)',
};

function describeScope(scope: string): string {
  return SCOPE_TEXT[scope] ?? `Use the permission “${scope}”`;
}

/** The consent screen of a third-party app: who asks, for what, and where you will be sent. */
export function consentPage(view: ConsentView): SafeHtml {
  return layout({
    title: `Allow ${view.clientName}?`,
    user: view.user,
    main: html`<section class="card narrow" aria-labelledby="h">
  <h1 id="h">Allow ${view.clientName} to use your account?</h1>
  <p><strong>${view.clientName}</strong> <span class="muted">(${view.clientId}, returns to ${view.redirectHost})</span> asks to:</p>
  <ul>${view.scopes.map((s) => html`<li>${describeScope(s)} <code>${s}</code></li>`)}</ul>
  ${view.audiences.length > 0 ? html`<p>Its tokens are for: ${view.audiences.map((a, i) => html`${i > 0 ? ', ' : ''}<code>${a}</code>`)}.</p>` : ''}
  <p class="muted">You can withdraw this at any time under “Connected apps” on your account page.</p>
  <form method="post" action="/oauth/authorize/consent">
    <input type="hidden" name="csrf" value="${view.user.csrfToken}">
    <input type="hidden" name="authz" value="${view.authz}">
    <button type="submit" name="decision" value="allow">Allow</button>
    <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
  </form>
</section>`,
  });
}
