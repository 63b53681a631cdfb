import type { ConsentRow } from '../../authorize/consents.service';
import { html, type SafeHtml } from '../html';
import { csrfField, when } from './layout';

/** /account "Connected apps": the apps the user let in, each with a way to withdraw. */
export function connectedApps(apps: readonly ConsentRow[], csrf: string): SafeHtml {
  if (apps.length === 0) return html``;
  return html`<section class="card" aria-labelledby="apps-h">
  <h2 id="apps-h">Connected apps</h2>
  <p class="muted">Apps you allowed to use your account. Removing one ends its sessions and tokens, and it has to ask again.</p>
  <div class="table-wrap">
  <table>
    <caption class="visually-hidden">Apps you have allowed</caption>
    <thead><tr><th scope="col">App</th><th scope="col">Permissions</th><th scope="col">Allowed</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
    <tbody>
    ${apps.map(
      (a) => html`<tr>
  <td>${a.clientName}</td>
  <td>${a.scopes.map((s, i) => html`${i > 0 ? ' ' : ''}<code>${s}</code>`)}</td>
  <td>${when(a.grantedAt)}</td>
  <td>
    <form method="post" action="/account/apps/${a.clientId}/revoke" class="inline">
      ${csrfField(csrf)}
      <button type="submit" class="small danger">Remove<span class="visually-hidden">: ${a.clientName}</span></button>
    </form>
  </td>
</tr>`,
    )}
    </tbody>
  </table>
  </div>
</section>`;
}
