/** A parsed `application/x-www-form-urlencoded` body. */
export type FormBody = Record<string, unknown>;

/** The body as a form (an empty one for anything else). */
export function formOf(body: unknown): FormBody {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as FormBody) : {};
}

/** One text field, capped at `max` characters; '' when missing or repeated. */
export function textField(form: FormBody, name: string, max = 4096): string {
  const value = form[name];
  return typeof value === 'string' && value.length <= max ? value : '';
}

/** A field that may repeat (checkboxes): every string value. */
export function listField(form: FormBody, name: string): string[] {
  const value = form[name];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
