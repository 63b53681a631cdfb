import type { ClientFormValues } from '../client-form';
import { html, type SafeHtml } from '../html';
import { clientFormFields } from './client-form-fields';
import { csrfField, layout, messages, type PageUser } from './layout';

/** GET /admin/clients/:id: a client's metadata, editable (the secret is never shown again). */
export function clientEditPage(view: { user: PageUser; values: ClientFormValues; audiences: readonly string[]; errors?: string[] }): SafeHtml {
  return layout({
    title: `Client ${view.values.id}`,
    user: view.user,
    section: 'admin',
    main: html`<h1>Client <code>${view.values.id}</code></h1>
${messages(null, view.errors ?? [])}
<section class="card" aria-labelledby="edit-h">
  <h2 id="edit-h">Edit registration</h2>
  <form method="post" action="/admin/actions/clients/${view.values.id}" class="grid">
    ${csrfField(view.user.csrfToken)}
    ${clientFormFields(view.values, view.audiences, true)}
    <div><button type="submit">Save client</button></div>
  </form>
  <p><a href="/admin">Back to administration</a></p>
</section>`,
  });
}
