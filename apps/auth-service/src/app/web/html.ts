/** Markup that is already safe to emit (produced by {@link html} or {@link raw}). */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Interpolated value: text (escaped), safe markup, or a list of either; null/undefined/false render nothing. */
export type HtmlValue = string | number | SafeHtml | null | undefined | false | readonly HtmlValue[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for use in element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

/**
 * Tagged template that escapes every interpolation unless it is already {@link SafeHtml}, so a
 * value from the database or a request can never become markup by accident.
 *
 * @example html`<p>${user.email}</p>`
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i] ?? null) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** Trusted constant markup (never pass request or database data). */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
