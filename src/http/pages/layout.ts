import { createHash } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import helmet from 'helmet';
import { html, raw, type HtmlValue, type SafeHtml } from './html.js';

/**
 * The one page shell every runner-facing page renders through: phone-first, readable, no inline
 * script or style (so the Content-Security-Policy can stay `default-src 'self'`), a skip link, a
 * header with the navigation and a `<main>`. The stylesheet is served by the app itself at
 * `/assets/app.css` (see `pageAssetRoutes`).
 */

export interface NavItem {
  href: string;
  label: string;
}

/** The signed-in runner's pages. */
export const RUNNER_NAV: NavItem[] = [
  { href: '/', label: 'Home' },
  { href: '/diary', label: 'Diary' },
  { href: '/cadence', label: 'Cadence' },
  { href: '/connect', label: 'Connect' },
  { href: '/share', label: 'Share' },
  { href: '/sessions', label: 'Devices' },
  { href: '/export', label: 'Export' },
];

export interface PageOptions {
  title: string;
  body: HtmlValue;
  /** the signed-in runner, named in the header; omitted on public pages */
  runner?: { name: string } | null;
  /** navigation links; defaults to the runner's pages when `runner` is given */
  nav?: NavItem[];
  /** the current path, marked `aria-current="page"` in the navigation */
  current?: string;
  /** extra head elements (trusted), e.g. `<meta name="robots" content="noindex">` */
  head?: SafeHtml;
  /** a CSRF token for the header's sign-out form (signed-in pages) */
  csrfToken?: string;
  /** same-origin scripts (progressive enhancement only; pages work without them) */
  scripts?: string[];
}

export function renderPage(o: PageOptions): string {
  const nav = o.nav ?? (o.runner ? RUNNER_NAV : []);
  const navHtml = nav.length
    ? html`<nav aria-label="Main"><ul>${nav.map(
        (n) => html`<li><a href="${n.href}"${o.current === n.href ? raw(' aria-current="page"') : ''}>${n.label}</a></li>`,
      )}</ul></nav>`
    : '';
  const signOut =
    o.runner && o.csrfToken
      ? html`<form method="post" action="/logout" class="signout"><input type="hidden" name="_csrf" value="${o.csrfToken}"><button type="submit" class="link">Sign out</button></form>`
      : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · stridesync</title>
<link rel="stylesheet" href="${APP_CSS_HREF}">
<link rel="manifest" href="/manifest.webmanifest">
<meta name="theme-color" content="#1d4f91">
${o.head ?? ''}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
<div class="bar"><span class="brand">stridesync</span>${o.runner ? html`<span class="who">${o.runner.name}</span>` : ''}${signOut}</div>
${navHtml}
</header>
<main id="main" tabindex="-1">
<h1>${o.title}</h1>
${o.body}
</main>
<footer class="site"><p>Guidance in the style of a physiotherapist’s training diary, not a diagnosis.</p></footer>
${(o.scripts ?? []).map((s) => html`<script src="${s}" defer></script>`)}
</body>
</html>
`.value;
}

export const APP_CSS = `
:root{--fg:#1b1f24;--muted:#4a5560;--bg:#fff;--soft:#f3f5f7;--line:#d5dbe1;--accent:#1d4f91;--green:#1e7a34;--amber:#8a5a00;--red:#b3261e;--strava:#FC5200;font-size:100%}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);line-height:1.5}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid #f2b705;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:0}
header.site{background:var(--accent);color:#fff;padding:.5rem 1rem}
header.site .bar{display:flex;align-items:center;gap:.75rem;flex-wrap:wrap}
header.site .brand{font-weight:700;font-size:1.1rem}
header.site .who{opacity:.95}
header.site .signout{margin-left:auto}
header.site a,header.site .link{color:#fff}
header.site nav ul{list-style:none;margin:.25rem 0 0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
header.site nav a{display:inline-block;padding:.4rem 0;text-decoration:none;font-weight:600}
header.site nav a[aria-current=page]{text-decoration:underline;text-underline-offset:.3em}
main{max-width:44rem;margin:0 auto;padding:1rem}
main:focus{outline:none}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
footer.site{max-width:44rem;margin:2rem auto 1rem;padding:0 1rem;color:var(--muted);font-size:.875rem}
.card{border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;margin:.75rem 0;background:#fff}
.muted{color:var(--muted)}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.small{font-size:.875rem}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th[scope=row]{font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:.25rem 0}
dl.stats{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:.5rem;margin:0}
dl.stats div{background:var(--soft);border-radius:.5rem;padding:.5rem .75rem}
dl.stats dt{font-size:.85rem;color:var(--muted)}
dl.stats dd{margin:0;font-size:1.15rem;font-weight:600}
.light{display:inline-block;padding:0 .5rem;border-radius:1rem;font-size:.85rem;font-weight:600;border:1px solid currentColor}
.light-green{color:var(--green)}
.light-amber{color:var(--amber)}
.light-red{color:var(--red)}
.light-none{color:var(--muted)}
.warning{border-left:4px solid var(--amber);background:#fff8e6;padding:.5rem .75rem;margin:.5rem 0}
.notice{border-left:4px solid var(--accent);background:var(--soft);padding:.5rem .75rem;margin:.5rem 0}
.error{border-left:4px solid var(--red);background:#fdecea;padding:.5rem .75rem;margin:.5rem 0}
button,.button{display:inline-block;font:inherit;font-weight:600;padding:.6rem 1rem;min-height:44px;border-radius:.4rem;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none}
button.secondary,.button.secondary{background:#fff;color:var(--accent)}
button.danger{background:var(--red);border-color:var(--red)}
button.link{background:none;border:none;padding:0;min-height:0;text-decoration:underline;font-weight:400}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
label.inline{display:inline;font-weight:400;margin:0}
input[type=checkbox],input[type=radio]{width:1.25rem;height:1.25rem;vertical-align:middle;margin:.4rem .4rem .4rem 0}
input[type=text],input[type=email],input[type=date],input[type=number],select,textarea{font:inherit;width:100%;max-width:24rem;padding:.5rem;border:1px solid #767f88;border-radius:.3rem;background:#fff}
fieldset{border:1px solid var(--line);border-radius:.5rem;margin:.75rem 0;padding:.5rem .75rem}
legend{font-weight:600;padding:0 .25rem}
.hint{color:var(--muted);font-size:.875rem;margin:.1rem 0 .25rem}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}
.strava-connect{display:inline-flex;align-items:center;justify-content:center;height:48px;padding:0 1.25rem;background:var(--strava);border:0;border-radius:4px;color:#fff;font-weight:700;font-size:1.2rem;text-decoration:none}
.garmin-connect{display:inline-flex;align-items:center;justify-content:center;height:48px;padding:0 1.25rem;background:#000;border:0;border-radius:4px;color:#fff;font-weight:700;font-size:1.2rem;text-decoration:none}
.view-on-strava{color:#c74100;font-weight:700;text-decoration:underline}
.powered-by-strava{font-size:.8rem;color:#c74100;font-weight:600;margin-top:1.5rem}
.chart{margin:0}
.chart svg{width:100%;max-width:100%;height:auto}
ul.runs{list-style:none;padding:0}
.card h2{margin-top:.25rem}
td.num{white-space:nowrap}
td.light-cell{text-align:right}
td.light-cell .light{white-space:normal;text-align:center}
@media (min-width:40rem){dl.stats{grid-template-columns:repeat(3,minmax(0,1fr))}main{padding:1.5rem}}
`;

export const APP_CSS_HASH = createHash('sha256').update(APP_CSS).digest('hex').slice(0, 12);
export const APP_CSS_HREF = `/assets/app.css?v=${APP_CSS_HASH}`;

/** Security headers for every HTML page: strict CSP (same-origin only, no inline script), no framing, no caching of personal pages. */
export function pageHeaders(opts: { noStore?: boolean; noIndex?: boolean } = {}): RequestHandler {
  const h = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'manifest-src': ["'self'"],
        'worker-src': ["'self'"],
      },
    },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: false,
  });
  return (req, res, next) => {
    res.locals.isPage = true;
    if (opts.noStore !== false) res.setHeader('Cache-Control', 'no-store');
    if (opts.noIndex) res.setHeader('X-Robots-Tag', 'noindex, nofollow');
    h(req, res, next);
  };
}

/** `GET /assets/app.css`: the pages' stylesheet, cacheable (the URL carries its hash). */
export function pageAssetRoutes(): Router {
  const r = Router();
  r.get('/assets/app.css', (_req, res) => {
    res.setHeader('Content-Type', 'text/css; charset=utf-8');
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(APP_CSS);
  });
  return r;
}
