import type { SiteContext, SiteRenderer } from '../site.js';
import {
  contactSentence,
  formatBytes,
  formatTime,
  html,
  page,
  summaryOf,
  unbrokenDates,
  type Html,
} from './html.js';
import {
  absoluteUrl,
  datasetPagePath,
  distributionOf,
  formatLabel,
  latestVersion,
  licenseOf,
} from './links.js';
import { primaryFormats } from '../formats/index.js';

/** `index.html`: the human catalog, one card per dataset with its latest version and direct downloads. */
export const indexPageRenderer: SiteRenderer = {
  name: 'html-index',
  render: (context) => [
    { key: 'index.html', body: new TextEncoder().encode(renderIndexPage(context).value) },
  ],
};

/** Renders the catalog page. */
export function renderIndexPage(context: SiteContext): Html {
  const { catalog } = context;
  const license = licenseOf(catalog.license);
  const versions = catalog.datasets.reduce((sum, dataset) => sum + dataset.versions.length, 0);
  const cards = context.datasets.map(({ entry, document }) => {
    const latest = latestVersion(entry);
    const downloads = primaryFormats(context.formats)
      .map((format) => distributionOf(latest, format))
      .filter((distribution) => distribution !== undefined);
    return html`<li class="card">
      <h2><a href="${datasetPagePath(entry.id)}">${unbrokenDates(entry.title)}</a></h2>
      <p>${summaryOf(document.description)}</p>
      <dl class="facts">
        <div>
          <dt>Latest version</dt>
          <dd>${latest.version}</dd>
        </div>
        <div>
          <dt>Last change</dt>
          <dd>
            <time datetime="${latest.published}">${latest.published.slice(0, 10)}</time> (${latest.change})
          </dd>
        </div>
        <div>
          <dt>Rows</dt>
          <dd>${latest.rows}</dd>
        </div>
      </dl>
      <ul class="downloads" aria-label="Downloads of ${entry.title}, version ${latest.version}">
        ${downloads.map(
          (distribution) =>
            html`<li>
              <a href="${distribution.path}" download
                >${formatLabel(distribution.format, context.formats)}
                <span class="muted">(${formatBytes(distribution.bytes)})</span></a
              >
            </li> `,
        )}
      </ul>
      <p>
        <a href="${datasetPagePath(entry.id)}"
          >About this dataset, its columns and its sources<span class="muted"> (${entry.id})</span></a
        >
      </p>
    </li> `;
  });
  const main = html`<h1>${catalog.title}</h1>
    <p class="lead">${catalog.description}</p>
    <p>
      ${catalog.datasets.length} datasets, ${versions} published versions, last updated
      <span class="nowrap">${formatTime(catalog.modified)}</span>. Every file is versioned and never changes
      once published; each dataset page explains its columns, shows where every number came from, and how to
      load it.
    </p>
    <ul class="cards">
      ${cards}
    </ul>
    <h2>For programs</h2>
    <ul>
      <li>
        <a href="catalog.json">catalog.json</a>: every dataset, version and file with its size and SHA-256.
      </li>
      <li>
        <a href="catalog.jsonld">catalog.jsonld</a>: the same catalog in DCAT (JSON-LD), for data portals.
      </li>
      <li><a href="feed.xml">feed.xml</a>: an Atom feed with one entry per published version.</li>
    </ul>`;
  return page({
    title: catalog.title,
    description: catalog.description,
    root: '',
    canonicalUrl: absoluteUrl(context.baseUrl, 'index.html'),
    siteTitle: catalog.title,
    breadcrumbs: [['Datasets', 'index.html']],
    main,
    footer: html`<p>
      Data: <a href="${license.url}" rel="license">${license.title}</a>. Published by
      ${catalog.publisher.name}.${contactSentence(catalog.contactPoint)}
    </p>`,
  });
}
