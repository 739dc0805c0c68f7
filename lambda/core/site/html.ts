import type { ContactPoint } from '../catalog.js';
import { mailtoOf, safeLink } from './links.js';
/**
 * HTML building blocks for the site pages: an escaping template tag, the page
 * shell with its stylesheet, and number/date formatting. Everything
 * interpolated into {@link html} is escaped unless it is itself {@link Html}.
 */

/** A fragment of markup that is already safe to insert as is. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** A value that may be interpolated into {@link html}: escaped text, markup, or lists of them. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Characters that must not reach a reader as they are: C0 controls but tab and
 * line breaks, DEL, C1 controls, the bidirectional embeddings, overrides,
 * isolates and marks (which reorder what is displayed: `U+202E 0001` shows as
 * `1000`), and U+FFFE/U+FFFF. None of these is allowed in XML 1.0 text except
 * the bidi ones, and none has a place in a published value.
 */
const HIDDEN_CONTROLS =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point of this pattern
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffe\uffff]/g;
/** A UTF-16 surrogate without its other half: not a character at all, so nothing can show it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Makes every character that could hide or reorder text visible as a
 * `\u{…}` mark (as `oneLine` does for the terminal), and replaces lone
 * surrogates with U+FFFD. The result holds only characters XML 1.0 allows, and
 * displays its digits in the order they are stored.
 */
export function showHiddenCharacters(text: string): string {
  return text
    .replace(HIDDEN_CONTROLS, (char) => `\\u{${char.codePointAt(0)?.toString(16) ?? ''}}`)
    .replace(LONE_SURROGATE, '\ufffd');
}

/**
 * Escapes text for element content and quoted attribute values, in HTML and
 * in XML 1.0 alike (the feed and the SVG charts use it too): markup characters
 * become entities and hidden characters visible marks (see
 * {@link showHiddenCharacters}), so any string gives a well-formed document
 * that shows exactly the text.
 */
export function escapeHtml(text: string): string {
  return showHiddenCharacters(text).replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

/** {@link escapeHtml} under the name the XML renderers use: the same escaping is valid XML 1.0. */
export const escapeXml = escapeHtml;

function interpolate(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map((item: HtmlValue) => interpolate(item)).join('');
  return escapeHtml(String(value));
}

/** Each template's literal parts as {@link literalParts} gives them, made once per template. */
const LITERALS = new WeakMap<TemplateStringsArray, readonly string[]>();

/**
 * A template's literal parts without the source's indentation: a line break with
 * the blank lines and spaces after it becomes one line break. A browser reads it
 * as the same whitespace, and no literal part holds preformatted text (what a
 * `<pre>` shows is always interpolated), so the page looks the same in fewer
 * bytes: a tenth of a dataset page with its preview.
 */
function literalParts(strings: TemplateStringsArray): readonly string[] {
  let parts = LITERALS.get(strings);
  if (parts === undefined) {
    parts = strings.map((part) => part.replace(/\n\s*/g, '\n'));
    LITERALS.set(strings, parts);
  }
  return parts;
}

/** Template tag: literal parts are markup, interpolated values are escaped (arrays are joined). */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  const parts = literalParts(strings);
  let out = parts[0] ?? '';
  values.forEach((value, index) => {
    out += interpolate(value) + (parts[index + 1] ?? '');
  });
  return new Html(out);
}

/**
 * Text with its dates and year ranges (`2001-01-01`, `1995-2018`) kept on one
 * line, so a narrow screen never breaks a value at its hyphen.
 */
export function unbrokenDates(text: string): Html {
  const parts = text.split(/(\b\d{4}(?:-\d{2}-\d{2}|[-–]\d{4})\b)/);
  return html`${parts.map((part, index) => (index % 2 === 1 ? html`<span class="nowrap">${part}</span>` : part))}`;
}

/** Trusted markup produced elsewhere by this module's own builders (e.g. SVG charts). */
export function trusted(markup: string): Html {
  return new Html(markup);
}

/**
 * JSON for a `<script type="application/ld+json">` block: `<` is escaped so no
 * `</script>` can close it early, and C1 controls, bidi controls and line
 * separators are written as JSON escapes, so the page holds none of them raw
 * while a harvester still reads the same strings. Written without indentation:
 * only programs read it, and it is sent with every view of the page.
 */
export function jsonScript(value: unknown): Html {
  const text = JSON.stringify(value).replace(
    /[<\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return new Html(`<script type="application/ld+json">\n${text}\n</script>`);
}

/** A human file size: `812 B`, `12.2 kB`, `3.4 MB` (decimal units). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit] ?? 'TB'}`;
}

/** `2026-01-31 12:00 UTC` from an ISO timestamp. */
export function formatTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match === null ? iso : `${match[1] ?? ''} ${match[2] ?? ''} UTC`;
}

/** The first sentence of a text (up to the first `. ` or `: `), or the text itself when short. */
export function summaryOf(text: string, limit = 220): string {
  const match = /^(.+?[.:])(\s|$)/.exec(text);
  const sentence = match?.[1]?.replace(/:$/, '.') ?? text;
  return sentence.length <= limit ? sentence : `${sentence.slice(0, limit - 1).trimEnd()}…`;
}

/** Everything a page needs around its main content. */
export interface PageOptions {
  readonly title: string;
  readonly description: string;
  /** Relative path from the page to the site root (`''` or `../../`). */
  readonly root: string;
  /** Absolute URL of the page itself. */
  readonly canonicalUrl: string;
  readonly siteTitle: string;
  /** Breadcrumb trail below the site title, as `[label, relative href]`; the last entry is the page. */
  readonly breadcrumbs: readonly (readonly [string, string])[];
  readonly head?: Html;
  readonly main: Html;
  readonly footer: Html;
}

/**
 * The footer's "write to" sentence for the contact point of `data/site.json`:
 * its email address and its page, where each is a safe link; nothing without one.
 */
export function contactSentence(contact: ContactPoint | undefined): Html {
  const email = mailtoOf(contact?.email);
  const url = safeLink(contact?.url);
  if (contact === undefined || (email === undefined && url === undefined)) return html``;
  const ways = [
    ...(email === undefined ? [] : [html`<a href="${email}">${contact.email ?? ''}</a>`]),
    ...(url === undefined ? [] : [html`<a href="${url}">the contact page</a>`]),
  ];
  return html` Questions and corrections: ${contact.name},
  ${ways.map((way, index) => html`${index === 0 ? '' : ' or '}${way}`)}.`;
}

/** A complete HTML document: landmarks (header, nav, main, footer), a skip link, and the stylesheet. */
export function page(options: PageOptions): Html {
  const crumbs = options.breadcrumbs.map(([label, href], index) =>
    index === options.breadcrumbs.length - 1
      ? html`<li><a href="${href}" aria-current="page">${label}</a></li>`
      : html`<li><a href="${href}">${label}</a></li>`,
  );
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title}</title>
        <meta name="description" content="${options.description}" />
        <link rel="canonical" href="${options.canonicalUrl}" />
        <link rel="icon" href="data:," />
        <link
          rel="alternate"
          type="application/atom+xml"
          title="${options.siteTitle}: new versions"
          href="${options.root}feed.xml"
        />
        <link
          rel="alternate"
          type="application/ld+json"
          title="DCAT catalog"
          href="${options.root}catalog.jsonld"
        />
        <style>
          ${trusted(STYLESHEET)}
        </style>
        ${options.head}
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="site">
          <p class="site-title"><a href="${options.root}index.html">${options.siteTitle}</a></p>
          <nav aria-label="Breadcrumb">
            <ol class="crumbs">
              ${crumbs}
            </ol>
          </nav>
        </header>
        <main id="main">${options.main}</main>
        <footer class="site">${options.footer}</footer>
      </body>
    </html> `;
}

/* Colours are chosen for at least 4.5:1 contrast on their backgrounds (WCAG AA). */
const STYLESHEET = `
:root{--ink:#1b1f24;--muted:#4a525c;--line:#d0d5db;--accent:#0b5cad;--flag-bg:#fff3cd;--flag-ink:#5a3d00;--flag-edge:#b7791f;--code-bg:#f3f5f7}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#fff}
a{color:var(--accent)}
a:focus-visible,[tabindex]:focus-visible,summary:focus-visible{outline:3px solid #1a73e8;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem}
.skip:focus{left:.5rem}
header.site,main,footer.site{max-width:72rem;margin:0 auto;padding:0 1rem}
header.site{padding-top:1rem;border-bottom:1px solid var(--line)}
.site-title{margin:0;font-weight:700;font-size:1.05rem}
.site-title a{color:var(--ink);text-decoration:none}
.crumbs{list-style:none;margin:.25rem 0 .75rem;padding:0;display:flex;flex-wrap:wrap;gap:.25rem;font-size:.9rem}
.crumbs li+li::before{content:"/";color:var(--muted);margin-right:.25rem}
h1{font-size:1.8rem;line-height:1.25;margin:1.25rem 0 .5rem}
h2{font-size:1.35rem;margin:2rem 0 .5rem;padding-top:.5rem;border-top:1px solid var(--line)}
h3{font-size:1.1rem;margin:1.25rem 0 .4rem}
.lead{font-size:1.05rem;color:var(--muted);max-width:48rem}
p,li{max-width:52rem}
h1,h2,h3,p,li,dt,dd,figcaption{overflow-wrap:anywhere}
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.25rem 1.5rem;margin:1rem 0;padding:0}
.facts div{padding:.35rem 0;border-bottom:1px solid var(--line)}
.facts dt{font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
.facts dd{margin:0;font-weight:600}
.cards{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(20rem,1fr));gap:1rem}
.card{border:1px solid var(--line);border-radius:.5rem;padding:1rem;display:flex;flex-direction:column;gap:.5rem}
.card h2{border:0;margin:0;padding:0;font-size:1.2rem}
.card p{margin:0}
.card .facts{margin:.25rem 0;grid-template-columns:repeat(3,auto)}
.card .facts div{border:0;padding:0}
.downloads{display:flex;flex-wrap:wrap;gap:.5rem;margin:0;padding:0;list-style:none}
.downloads a{display:inline-block;padding:.3rem .6rem;border:1px solid var(--accent);border-radius:.3rem;text-decoration:none;font-size:.9rem}
.table-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:.35rem;margin:.5rem 0 1rem;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.9rem}
caption{text-align:left;padding:.5rem;font-weight:600}
th,td{text-align:left;vertical-align:top;padding:.4rem .6rem;border-bottom:1px solid var(--line)}
thead th{background:var(--code-bg);position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.long{min-width:16rem;max-width:28rem}
td code,th code{white-space:nowrap}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
pre{background:var(--code-bg);padding:.75rem;border-radius:.35rem;overflow-x:auto;white-space:pre}
.hash{font-family:ui-monospace,monospace;font-size:.75rem;word-break:break-all;min-width:12rem}
tbody.flagged td{background:var(--flag-bg)}
table.preview tbody{border-bottom:2px solid var(--line)}
table.preview td{border-bottom:0}
td.key{font-family:ui-monospace,monospace;font-size:.8rem;min-width:10rem}
tr.detail td{white-space:normal;padding-top:0;color:var(--muted);font-size:.85rem}
tr.detail p{margin:.15rem 0;max-width:60rem}
tr.detail .label{font-family:ui-monospace,monospace;color:var(--ink)}
q{quotes:"“" "”"}
.flag{display:inline-block;background:var(--flag-bg);color:var(--flag-ink);border:1px solid var(--flag-edge);border-radius:.25rem;padding:0 .35rem;font-size:.8rem;font-weight:600;white-space:nowrap}
.conflicts{list-style:none;padding:0}
.conflicts li{background:var(--flag-bg);color:var(--flag-ink);border-left:4px solid var(--flag-edge);padding:.75rem 1rem;margin:.5rem 0;border-radius:.25rem}
.conflicts a{color:#5a3d00}
blockquote{margin:.5rem 0;padding:.25rem .75rem;border-left:3px solid var(--line);color:var(--muted)}
figure{margin:1rem 0}
figure svg{width:100%;height:auto;display:block}
.chart-wide svg{max-width:62rem}
.chart-narrow{display:none}
.chart-narrow svg{max-width:30rem}
.nowrap,td.date{white-space:nowrap}
.spark{display:block;margin:.1rem 0 .2rem}
td.stats{min-width:14rem;font-size:.85rem}
td.stats code{white-space:normal;overflow-wrap:anywhere}
.lead{font-size:1.05rem}
figcaption{color:var(--muted);font-size:.9rem}
details{margin:.5rem 0}
summary{cursor:pointer;font-weight:600}
.muted{color:var(--muted)}
p code,li code,dd code{overflow-wrap:anywhere}
.citation{background:var(--code-bg);padding:.75rem;border-radius:.35rem;font-family:ui-monospace,monospace;font-size:.85rem;overflow-wrap:anywhere}
footer.site{margin-top:3rem;padding-top:1rem;padding-bottom:2rem;border-top:1px solid var(--line);font-size:.9rem;color:var(--muted)}
@media (max-width:47.99rem){.chart-wide{display:none}.chart-narrow{display:block}}
@media (max-width:40rem){h1{font-size:1.45rem}.cards{grid-template-columns:1fr}.facts{grid-template-columns:1fr 1fr}
.table-wrap{border:0;overflow-x:visible}
table.cards-sm thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
table.cards-sm,table.cards-sm tbody,table.cards-sm tr,table.cards-sm td{display:block;width:100%}
table.cards-sm caption{display:block;padding:.25rem 0}
table.cards-sm tbody{border:1px solid var(--line);border-radius:.35rem;margin:0 0 .75rem}
table.cards-sm > tbody > tr:not(.detail){display:grid;grid-template-columns:repeat(auto-fill,minmax(9.5rem,1fr));gap:0 .75rem;padding:.4rem .6rem;border-bottom:1px solid var(--line)}
table.cards-sm td{border:0;padding:.2rem 0;white-space:normal;overflow-wrap:anywhere;text-align:left}
table.cards-sm td.num,table.cards-sm td.date{white-space:nowrap;text-align:left}
table.cards-sm td[data-label]::before{content:attr(data-label);display:block;font-size:.75rem;font-weight:400;color:var(--muted);font-family:ui-monospace,monospace}
table.cards-sm td.long,table.cards-sm td.hash,table.cards-sm td.stats{min-width:0;max-width:none}
table.cards-sm td code{white-space:normal;overflow-wrap:anywhere}
table.cards-sm tr.detail td{padding:.4rem .6rem}
table.cards-sm tbody.flagged,table.cards-sm tbody.flagged td{background:var(--flag-bg)}
}
`;
