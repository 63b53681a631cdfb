import { html, type SafeHtml } from '../html';
import { clientFormFields } from './client-form-fields';
import { csrfField, layout, messages, when, type PageUser } from './layout';

/** A user row on /admin. */
export interface AdminUserRow {
  id: string;
  email: string;
  scopes: string[];
  createdAt: Date;
  disabledAt: Date | null;
}

/** A client row on /admin. */
export interface AdminClientRow {
  id: string;
  name: string;
  audiences: string[];
  scopes: string[];
  createdAt: Date;
  revokedAt: Date | null;
  kind: 'service' | 'confidential' | 'public';
  redirectUris: string[];
}

/** A signing key row on /admin. */
export interface AdminKeyRow {
  kid: string;
  createdAt: Date;
  activateAt: Date;
  retireAt: Date | null;
  expireAt: Date | null;
}

/** What /admin shows. */
export interface AdminView {
  user: PageUser & { id: string };
  users: AdminUserRow[];
  usersOffset: number;
  usersPageSize: number;
  moreUsers: boolean;
  clients: AdminClientRow[];
  keys: AdminKeyRow[];
  audiences: string[];
  notice?: string | null;
  errors?: string[];
  /** Set right after creating a client: its secret, shown this once. */
  created?: { clientId: string; secret: string } | null;
}

function userRow(u: AdminUserRow, view: AdminView): SafeHtml {
  const action = u.disabledAt ? 'enable' : 'disable';
  const self = u.id === view.user.id;
  return html`<tr>
  <th scope="row">${u.email}</th>
  <td>${u.scopes.join(' ')}</td>
  <td>${when(u.createdAt)}</td>
  <td>${u.disabledAt ? html`<span class="badge off">Disabled</span>` : html`<span class="badge on">Active</span>`}</td>
  <td>${self ? html`<span class="muted">you</span>` : html`<form method="post" action="/admin/actions/users/${u.id}/${action}" class="inline">
      ${csrfField(view.user.csrfToken)}
      <button type="submit" class="small${u.disabledAt ? '' : ' danger'}">${u.disabledAt ? 'Enable' : 'Disable'}<span class="visually-hidden"> ${u.email}</span></button>
    </form>
    <form method="post" action="/admin/actions/users/${u.id}/delete" class="inline">
      ${csrfField(view.user.csrfToken)}
      <label class="check"><input type="checkbox" name="confirm" value="yes" required><span class="visually-hidden">Confirm deleting ${u.email}</span></label>
      <button type="submit" class="small danger">Delete<span class="visually-hidden"> ${u.email}</span></button>
    </form>`}</td>
</tr>`;
}

function clientRow(c: AdminClientRow, csrf: string): SafeHtml {
  return html`<tr>
  <th scope="row"><code>${c.id}</code>${c.name !== c.id ? html`<br><span class="muted">${c.name}</span>` : ''}</th>
  <td>${c.kind}${c.redirectUris.length > 0 ? html`<br><span class="muted">${c.redirectUris.join(' ')}</span>` : ''}</td>
  <td>${c.audiences.join(', ') || '—'}</td>
  <td>${c.scopes.join(' ') || '—'}</td>
  <td>${when(c.createdAt)}</td>
  <td>${c.revokedAt
    ? html`<span class="badge off">Revoked</span>`
    : html`<a href="/admin/clients/${c.id}" class="small">Edit<span class="visually-hidden"> ${c.id}</span></a>
    <form method="post" action="/admin/actions/clients/${c.id}/revoke" class="inline">
      ${csrfField(csrf)}
      <button type="submit" class="small danger">Revoke<span class="visually-hidden"> ${c.id}</span></button>
    </form>`}</td>
</tr>`;
}

function keyState(k: AdminKeyRow): string {
  const now = Date.now();
  if (k.expireAt && k.expireAt.getTime() <= now) return 'expired';
  if (k.retireAt && k.retireAt.getTime() <= now) return 'retired (published)';
  if (k.activateAt.getTime() > now) return 'next (published)';
  return 'signing';
}

function usersSection(view: AdminView): SafeHtml {
  const prev = Math.max(0, view.usersOffset - view.usersPageSize);
  return html`<section class="card" aria-labelledby="users-h">
  <h2 id="users-h">Users</h2>
  <p class="muted">Disabling a user ends all of their sessions and revokes their tokens at once. Deleting (tick the box, then Delete) also removes the account and its data for good.</p>
  <div class="table-wrap"><table>
    <thead><tr><th scope="col">Email</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
    <tbody>${view.users.map((u) => userRow(u, view))}</tbody>
  </table></div>
  <nav class="pager" aria-label="Users pages">
    ${view.usersOffset > 0 ? html`<a href="/admin?offset=${prev}">Previous</a>` : ''}
    ${view.moreUsers ? html`<a href="/admin?offset=${view.usersOffset + view.usersPageSize}">Next</a>` : ''}
  </nav>
</section>`;
}

function clientsSection(view: AdminView): SafeHtml {
  const csrf = view.user.csrfToken;
  return html`<section class="card" aria-labelledby="clients-h">
  <h2 id="clients-h">Clients</h2>
  <p class="muted">Services (client_credentials) and apps that sign users in (authorization code + PKCE).</p>
  ${view.created ? html`<div class="secret" role="status">
    <p><strong>Client <code>${view.created.clientId}</code> created.</strong> Copy its secret now: it is shown this once and cannot be recovered.</p>
    <label for="created-secret">Client secret</label>
    <input id="created-secret" type="text" readonly value="${view.created.secret}" class="mono">
  </div>` : ''}
  <div class="table-wrap"><table>
    <thead><tr><th scope="col">Client id</th><th scope="col">Kind</th><th scope="col">Audiences</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
    <tbody>${view.clients.length > 0 ? view.clients.map((c) => clientRow(c, csrf)) : html`<tr><td colspan="6" class="empty">No clients yet.</td></tr>`}</tbody>
  </table></div>
  <h3>Register a client</h3>
  <form method="post" action="/admin/actions/clients" class="grid">
    ${csrfField(csrf)}
    ${clientFormFields({ id: '', name: '', kind: 'service', audiences: [], scopes: '', redirectUris: '', postLogoutRedirectUris: '', backchannelLogoutUri: '', firstParty: false, exchangeSubjectAudience: '', exchangeTargets: '' }, view.audiences, false)}
    <div><button type="submit">Create client</button></div>
  </form>
</section>`;
}

function keysSection(view: AdminView): SafeHtml {
  return html`<section class="card" aria-labelledby="keys-h">
  <h2 id="keys-h">Signing keys</h2>
  <div class="table-wrap"><table>
    <thead><tr><th scope="col">Key id</th><th scope="col">State</th><th scope="col">Created</th><th scope="col">Signs from</th><th scope="col">Leaves JWKS</th></tr></thead>
    <tbody>${view.keys.map((k) => html`<tr><th scope="row"><code title="${k.kid}">${k.kid.slice(0, 16)}…</code></th><td>${keyState(k)}</td><td>${when(k.createdAt)}</td><td>${when(k.activateAt)}</td><td>${when(k.expireAt)}</td></tr>`)}</tbody>
  </table></div>
  <form method="post" action="/admin/actions/keys/rotate">
    ${csrfField(view.user.csrfToken)}
    <button type="submit" class="danger">Force key rotation</button>
    <span class="hint">For a compromised key: a new key signs at once and every older key leaves the JWKS now, so all current access tokens stop verifying.</span>
  </form>
</section>`;
}

/** GET /admin: users, service clients, signing keys. */
export function adminPage(view: AdminView): SafeHtml {
  return layout({
    title: 'Admin',
    user: view.user,
    section: 'admin',
    main: html`<h1>Administration</h1>
${messages(view.notice, view.errors)}
${usersSection(view)}
${clientsSection(view)}
${keysSection(view)}`,
  });
}
