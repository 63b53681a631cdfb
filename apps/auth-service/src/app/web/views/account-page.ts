import { html, type SafeHtml } from '../html';
import { describeDevice } from './device';
import type { ConsentRow } from '../../authorize/consents.service';
import { connectedApps } from './connected-apps';
import { csrfField, layout, messages, when, type PageUser } from './layout';

/** One row of the session list. */
export interface SessionRow {
  id: string;
  kind: 'api' | 'web';
  clientId: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: Date;
  lastUsedAt: Date;
  current: boolean;
}

/** What /account shows. */
export interface AccountView {
  user: PageUser;
  sessions: SessionRow[];
  /** Apps the user consented to (third-party clients). */
  apps?: ConsentRow[];
  notice?: string | null;
  errors?: string[];
}

function sessionRow(s: SessionRow, csrf: string): SafeHtml {
  const device = describeDevice(s.userAgent);
  const kind = s.kind === 'web' ? 'Browser' : `API (${s.clientId})`;
  return html`<tr${s.current ? html` class="current"` : ''}>
  <th scope="row">${device}${s.current ? html` <strong class="badge">This device</strong>` : ''}</th>
  <td>${kind}</td>
  <td>${s.ip ?? '—'}</td>
  <td>${when(s.createdAt)}</td>
  <td>${when(s.lastUsedAt)}</td>
  <td>
    <form method="post" action="/account/sessions/${s.id}/revoke" class="inline">
      ${csrfField(csrf)}
      <button type="submit" class="small danger">${s.current ? 'Log out' : 'End session'}<span class="visually-hidden">: ${device}, ${kind}, started ${s.createdAt.toISOString()}</span></button>
    </form>
  </td>
</tr>`;
}

/** GET /account: sessions (web and API alike), log out everywhere, change password, delete the account. */
export function accountPage(view: AccountView): SafeHtml {
  const csrf = view.user.csrfToken;
  return layout({
    title: 'Your account',
    user: view.user,
    section: 'account',
    main: html`<h1>Your account</h1>
${messages(view.notice, view.errors)}
<section class="card" aria-labelledby="sessions-h">
  <h2 id="sessions-h">Where you are signed in</h2>
  <p class="muted">Browser sessions and API logins share one list. Ending an API session also invalidates its refresh token and access tokens.</p>
  <div class="table-wrap">
  <table>
    <caption class="visually-hidden">Your active sessions</caption>
    <thead><tr><th scope="col">Device</th><th scope="col">Type</th><th scope="col">IP address</th><th scope="col">Signed in</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
    <tbody>
    ${view.sessions.map((s) => sessionRow(s, csrf))}
    </tbody>
  </table>
  </div>
  <form method="post" action="/account/logout-all">
    ${csrfField(csrf)}
    <button type="submit" class="danger">Log out everywhere</button>
    <span class="hint">Ends every session listed above, including this one.</span>
  </form>
</section>
${connectedApps(view.apps ?? [], csrf)}
<section class="card" aria-labelledby="security-h">
  <h2 id="security-h">Second factors</h2>
  <p>Authenticator app codes, passkeys and recovery codes: <a href="/account/security">Sign-in security</a>.</p>
</section>
<section class="card" aria-labelledby="password-h">
  <h2 id="password-h">Change password</h2>
  <form method="post" action="/account/password" class="narrow-form">
    ${csrfField(csrf)}
    <label for="current_password">Current password</label>
    <input id="current_password" name="current_password" type="password" autocomplete="current-password" required maxlength="1024">
    <label for="new_password">New password</label>
    <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength="8" maxlength="1024" aria-describedby="new-password-hint">
    <p id="new-password-hint" class="hint">At least 8 characters. Every other session is ended.</p>
    <label for="confirm_password">Repeat new password</label>
    <input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" required minlength="8" maxlength="1024">
    <button type="submit">Change password</button>
  </form>
</section>
<section class="card" aria-labelledby="delete-h">
  <h2 id="delete-h">Delete account</h2>
  <p class="muted">Ends every session listed above and deletes your account and its data for good. The e-mail address can then be registered again.</p>
  <form method="post" action="/account/delete" class="narrow-form">
    ${csrfField(csrf)}
    <label for="delete_password">Password (to confirm)</label>
    <input id="delete_password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
    <label class="check"><input type="checkbox" name="confirm" value="yes" required> Delete my account for good</label>
    <button type="submit" class="danger">Delete account</button>
  </form>
</section>`,
  });
}
