import { html, type HtmlValue, type SafeHtml } from '../html';
import { stylesheetHref } from '../assets';

/** The signed-in user as the page header shows them. */
export interface PageUser {
  email: string;
  isAdmin: boolean;
  csrfToken: string;
}

/** One page of the dashboard. */
export interface PageSpec {
  title: string;
  main: SafeHtml;
  user?: PageUser | undefined;
  /** Which top-level section is current, for `aria-current`. */
  section?: 'account' | 'admin' | 'audit';
  /** Scripts of ours (`/assets/…`), loaded deferred; the page must then be sent with {@link PAGE_WITH_SCRIPTS}. */
  scripts?: readonly string[];
}

const navLink = (href: string, label: string, current: boolean): SafeHtml =>
  html`<a href="${href}"${current ? html` aria-current="page"` : ''}>${label}</a>`;

/** Hidden CSRF field for a state-changing form. */
export const csrfField = (token: string): SafeHtml => html`<input type="hidden" name="csrf" value="${token}">`;

/** A notice (role=status) or error list (role=alert), readable without JavaScript. */
export function messages(notice?: string | null, errors: readonly string[] = []): SafeHtml {
  return html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}${
    errors.length > 0 ? html`<div class="error" role="alert"><ul>${errors.map((e) => html`<li>${e}</li>`)}</ul></div>` : ''
  }`;
}

/** Full HTML document: skip link, header with navigation and logout, main landmark. */
export function layout(page: PageSpec): SafeHtml {
  const user = page.user;
  const nav: HtmlValue = user
    ? html`<nav aria-label="Main">
        ${navLink('/account', 'Account', page.section === 'account')}
        ${user.isAdmin ? html`${navLink('/admin', 'Admin', page.section === 'admin')} ${navLink('/admin/audit', 'Audit log', page.section === 'audit')}` : ''}
      </nav>
      <form method="post" action="/logout" class="inline">
        ${csrfField(user.csrfToken)}
        <span class="who">${user.email}</span>
        <button type="submit" class="link">Log out</button>
      </form>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · Gatehouse</title>
<link rel="stylesheet" href="${stylesheetHref()}">
${(page.scripts ?? []).map((src) => html`<script src="${src}" defer></script>
`)}</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="${user ? '/account' : '/login'}">Gatehouse</a>${nav}</header>
<main id="main" tabindex="-1">
${page.main}
</main>
</body>
</html>
`;
}

/** `2026-11-02 03:51 UTC`, with a machine-readable <time>. */
export function when(date: Date | string | null): SafeHtml {
  if (date === null) return html`—`;
  const d = typeof date === 'string' ? new Date(date) : date;
  const iso = d.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}
