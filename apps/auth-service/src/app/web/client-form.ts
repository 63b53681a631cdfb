import type { ClientMetadataInput } from '../clients/client-metadata';
import type { ClientEntity } from '../clients/client.entity';
import { formatExchangeTarget, parseExchangeTarget, type ExchangePolicy } from '../clients/exchange-policy';
import { listField, textField, type FormBody } from './form';

/** What kind of client the /admin form registers. */
export type ClientKind = 'service' | 'confidential' | 'public';

/** The values the client form shows (empty for a new client). */
export interface ClientFormValues {
  id: string;
  name: string;
  kind: ClientKind;
  audiences: string[];
  scopes: string;
  redirectUris: string;
  postLogoutRedirectUris: string;
  backchannelLogoutUri: string;
  firstParty: boolean;
  /** Token exchange: the audience subject tokens must carry ('' for no policy). */
  exchangeSubjectAudience: string;
  /** Token exchange targets, one `AUDIENCE=SCOPE… [requires SCOPE…]` per line. */
  exchangeTargets: string;
}

/** The form's values for an existing client. */
export function formValuesOf(c: ClientEntity): ClientFormValues {
  return {
    id: c.id,
    name: c.name,
    kind: kindOf(c),
    audiences: c.audiences,
    scopes: c.scopes.join(' '),
    redirectUris: c.redirectUris.join('\n'),
    postLogoutRedirectUris: c.postLogoutRedirectUris.join('\n'),
    backchannelLogoutUri: c.backchannelLogoutUri ?? '',
    firstParty: c.firstParty,
    exchangeSubjectAudience: c.tokenExchange?.subjectAudience ?? '',
    exchangeTargets: (c.tokenExchange?.targets ?? []).map(formatExchangeTarget).join('\n'),
  };
}

/** A client's kind, as the admin pages name it. */
export function kindOf(c: Pick<ClientEntity, 'grantTypes' | 'tokenEndpointAuthMethod'>): ClientKind {
  if (c.tokenEndpointAuthMethod === 'none') return 'public';
  return c.grantTypes.includes('authorization_code') ? 'confidential' : 'service';
}

/** Reads the client form into registration metadata (validated by the clients service). */
export function clientFormInput(form: FormBody): { id: string; metadata: ClientMetadataInput } {
  const kind = textField(form, 'kind', 16) as ClientKind;
  const lines = (name: string) => textField(form, name, 20_000).split(/\r?\n/).map((l) => l.trim()).filter(Boolean).slice(0, 20);
  const name = textField(form, 'name', 200).trim();
  const backchannel = textField(form, 'backchannel_logout_uri', 2000).trim();
  const app = kind === 'confidential' || kind === 'public';
  return {
    id: textField(form, 'id', 64).trim(),
    metadata: {
      ...(name ? { name } : {}),
      audiences: listField(form, 'audiences').slice(0, 16),
      scopes: textField(form, 'scopes', 1024).split(' ').filter(Boolean).slice(0, 32),
      grantTypes: app ? ['authorization_code', 'refresh_token'] : ['client_credentials'],
      tokenEndpointAuthMethod: kind === 'public' ? 'none' : 'client_secret_basic',
      redirectUris: lines('redirect_uris'),
      postLogoutRedirectUris: lines('post_logout_redirect_uris'),
      backchannelLogoutUri: backchannel || null,
      firstParty: textField(form, 'first_party', 8) === 'on',
      tokenExchange: exchangePolicyOf(textField(form, 'exchange_subject_audience', 64).trim(), lines('exchange_targets')),
    },
  };
}

/** No subject audience and no targets: no policy. A line that does not parse is kept as an audience, so validation names it. */
function exchangePolicyOf(subjectAudience: string, targets: string[]): ExchangePolicy | null {
  if (!subjectAudience && targets.length === 0) return null;
  return { subjectAudience, targets: targets.map((line) => parseExchangeTarget(line) ?? { audience: line.slice(0, 64), scopes: [], subjectScopes: [] }) };
}
