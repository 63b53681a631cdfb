import { html, type SafeHtml } from '../html';
import { layout, when, type PageUser } from './layout';

/** One audit_log row. */
export interface AuditRow {
  id: string;
  at: Date;
  event: string;
  userId: string | null;
  /** The user's email when the user still exists. */
  email: string | null;
  clientId: string | null;
  sessionId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

/** What /admin/audit shows. */
export interface AuditView {
  user: PageUser;
  rows: AuditRow[];
  page: number;
  hasMore: boolean;
}

function details(d: Record<string, unknown>): string {
  return Object.entries(d)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

/** GET /admin/audit?page=N: newest first. */
export function auditPage(view: AuditView): SafeHtml {
  return layout({
    title: 'Audit log',
    user: view.user,
    section: 'audit',
    main: html`<h1>Audit log</h1>
<section class="card" aria-labelledby="audit-h">
  <h2 id="audit-h" class="visually-hidden">Events, newest first (page ${view.page})</h2>
  <div class="table-wrap"><table class="compact">
    <thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">User</th><th scope="col">Client</th><th scope="col">IP</th><th scope="col">Details</th></tr></thead>
    <tbody>${view.rows.map(
      (r) => html`<tr><td>${when(r.at)}</td><th scope="row">${r.event}</th><td>${r.email ?? (r.userId ? html`<code>${r.userId}</code>` : '—')}</td><td>${r.clientId ?? '—'}</td><td>${r.ip ?? '—'}</td><td class="details">${details(r.details)}</td></tr>`,
    )}</tbody>
  </table></div>
  ${view.rows.length === 0 ? html`<p>No events on this page.</p>` : ''}
  <nav class="pager" aria-label="Audit log pages">
    ${view.page > 1 ? html`<a href="/admin/audit?page=${view.page - 1}" rel="prev">Newer</a>` : ''}
    <span>Page ${view.page}</span>
    ${view.hasMore ? html`<a href="/admin/audit?page=${view.page + 1}" rel="next">Older</a>` : ''}
  </nav>
</section>`,
  });
}
