import type { ClientFormValues } from '../client-form';
import { html, type SafeHtml } from '../html';

const KINDS = [
  ['service', 'Service (client_credentials)'],
  ['confidential', 'Web app with a secret (authorization code)'],
  ['public', 'SPA or mobile app, no secret (authorization code + PKCE)'],
] as const;

/** The fields of the register and edit forms; the id is fixed once registered. */
export function clientFormFields(v: ClientFormValues, audiences: readonly string[], editing: boolean): SafeHtml {
  return html`<div><label for="client-id">Client id</label>
    <input id="client-id" name="id" required maxlength="64" pattern="[a-z][a-z0-9._\\-]{2,63}" aria-describedby="client-id-hint" value="${v.id}"${editing ? html` readonly` : ''}>
    <p id="client-id-hint" class="hint">Lowercase letters, digits, <code>.</code> <code>_</code> <code>-</code>; 3–64 characters.</p></div>
    <div><label for="client-name">Name (shown on the consent page)</label>
    <input id="client-name" name="name" maxlength="200" value="${v.name}"></div>
    <div><label for="client-kind">Kind</label>
    <select id="client-kind" name="kind"${editing ? html` aria-describedby="client-kind-hint"` : ''}>
      ${KINDS.map(([value, label]) => html`<option value="${value}"${v.kind === value ? html` selected` : ''}>${label}</option>`)}
    </select>
    ${editing ? html`<p id="client-kind-hint" class="hint">A public client cannot become confidential or the other way round.</p>` : ''}</div>
    <fieldset><legend>Audiences</legend>
      ${audiences.map((a) => html`<label class="check"><input type="checkbox" name="audiences" value="${a}"${v.audiences.includes(a) ? html` checked` : ''}> ${a}</label>`)}
    </fieldset>
    <div><label for="client-scopes">Scopes</label>
    <input id="client-scopes" name="scopes" maxlength="1024" aria-describedby="client-scopes-hint" value="${v.scopes}">
    <p id="client-scopes-hint" class="hint">Space-separated, e.g. <code>inventory:reserve</code>, or <code>openid email offline_access orders:read</code> for an app.</p></div>
    <div><label for="client-redirects">Redirect URIs (apps)</label>
    <textarea id="client-redirects" name="redirect_uris" rows="2" aria-describedby="client-redirects-hint">${v.redirectUris}</textarea>
    <p id="client-redirects-hint" class="hint">One per line, matched exactly. https, or http on 127.0.0.1 / [::1] for native apps.</p></div>
    <div><label for="client-logout-redirects">Post-logout redirect URIs</label>
    <textarea id="client-logout-redirects" name="post_logout_redirect_uris" rows="2">${v.postLogoutRedirectUris}</textarea></div>
    <div><label for="client-backchannel">Back-channel logout URI</label>
    <input id="client-backchannel" name="backchannel_logout_uri" maxlength="2000" value="${v.backchannelLogoutUri}"></div>
    <div><label class="check"><input type="checkbox" name="first_party"${v.firstParty ? html` checked` : ''}> First-party app (no consent screen)</label></div>
    <fieldset><legend>Token exchange (on behalf of a user, RFC 8693)</legend>
      <div><label for="client-exchange-subject">Subject-token audience (the service this client runs)</label>
      <select id="client-exchange-subject" name="exchange_subject_audience">
        <option value=""${v.exchangeSubjectAudience === '' ? html` selected` : ''}>none (no token exchange)</option>
        ${audiences.map((a) => html`<option value="${a}"${v.exchangeSubjectAudience === a ? html` selected` : ''}>${a}</option>`)}
      </select></div>
      <div><label for="client-exchange-targets">Targets</label>
      <textarea id="client-exchange-targets" name="exchange_targets" rows="2" aria-describedby="client-exchange-hint">${v.exchangeTargets}</textarea>
      <p id="client-exchange-hint" class="hint">One per line: <code>AUDIENCE=SCOPE… requires SCOPE…</code>, e.g. <code>inventory=inventory:reserve requires orders:write</code>.</p></div>
    </fieldset>`;
}
