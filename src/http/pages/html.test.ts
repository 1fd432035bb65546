import { describe, expect, it } from 'vitest';
import { html, raw } from './html.js';
import { renderPage } from './layout.js';

describe('html', () => {
  it('escapes interpolations, keeps raw fragments and nested templates, joins arrays', () => {
    const name = `<script>alert("x")</script>&'`;
    const out = html`<p title="${name}">${name}</p>${raw('<b>ok</b>')}${[1, 2].map((n) => html`<i>${n}</i>`)}${null}${false}`;
    expect(out.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p><b>ok</b><i>1</i><i>2</i>',
    );
  });
});

describe('renderPage', () => {
  it('has the shell: doctype, lang, viewport, skip link, main, stylesheet, escaped title and runner name', () => {
    const page = renderPage({ title: 'Home <1>', body: html`<p>hi</p>`, runner: { name: 'Ana & Bo' }, current: '/', csrfToken: 'tok' });
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('name="viewport"');
    expect(page).toContain('<a class="skip" href="#main">');
    expect(page).toContain('<main id="main"');
    expect(page).toMatch(/<link rel="stylesheet" href="\/assets\/app\.css\?v=[0-9a-f]{12}">/);
    expect(page).toContain('<title>Home &lt;1&gt; · stridesync</title>');
    expect(page).toContain('Ana &amp; Bo');
    expect(page).toContain('<a href="/" aria-current="page">Home</a>');
    expect(page).toContain('name="_csrf" value="tok"');
    expect(page).not.toMatch(/<style|style="|<script>/);
  });
});
