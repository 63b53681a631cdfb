import { escapeHtml, html, raw } from './html';

describe('html tagged template', () => {
  it('escapes interpolated text, including attribute breakers', () => {
    const evil = `"><script>alert('x')</script>&`;
    expect(html`<input value="${evil}">`.value).toBe('<input value="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">');
  });

  it('keeps nested templates and lists as markup, renders nothing for null and false', () => {
    const items = ['a<b', 'c'].map((t) => html`<li>${t}</li>`);
    expect(html`<ul>${items}</ul>${null}${false}${undefined}${0}`.value).toBe('<ul><li>a&lt;b</li><li>c</li></ul>0');
  });

  it('passes raw markup through and escapes backticks', () => {
    expect(html`${raw('<b>x</b>')}`.value).toBe('<b>x</b>');
    expect(escapeHtml('`')).toBe('&#96;');
  });
});
