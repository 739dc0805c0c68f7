import type { ChangesDocument } from '../changes.js';
import type { SiteContext, SiteRenderer } from '../site.js';
import { escapeXml as x } from './html.js';
import { absoluteUrl, datasetPagePath, versionAnchor } from './links.js';
import { versionFolder } from '../site-keys.js';

/** `feed.xml`: an Atom feed (RFC 4287) with one entry per published version, newest first. */
export const feedRenderer: SiteRenderer = {
  name: 'feed',
  render: (context) => [{ key: 'feed.xml', body: new TextEncoder().encode(renderFeed(context)) }],
};

function changeSummary(changes: ChangesDocument | undefined, rows: number): string {
  if (changes?.message !== undefined) return `${changes.message} — ${changeFacts(changes, rows)}`;
  return changeFacts(changes, rows);
}

function changeFacts(changes: ChangesDocument | undefined, rows: number): string {
  if (changes === undefined) return `${rows} rows.`;
  if (changes.change === 'initial') return `First version, ${rows} rows.`;
  const { added, removed, changed } = changes.summary;
  const parts = [
    ...(changes.schemaChanged ? ['the schema changed'] : []),
    `${added} rows added`,
    `${removed} removed`,
    `${changed} changed`,
  ];
  return `${changes.change} release: ${parts.join(', ')}; ${rows} rows.`;
}

/** Renders the feed. Its times are the catalog's publish times, so rebuilding with the same inputs gives the same bytes. */
export function renderFeed(context: SiteContext): string {
  const { catalog, baseUrl } = context;
  const entries = context.datasets
    .flatMap(({ entry, changes }) =>
      entry.versions.map((version) => ({
        entry,
        version,
        changes: changes.find((document) => document.version === version.version),
      })),
    )
    .sort(
      (a, b) =>
        b.version.published.localeCompare(a.version.published) ||
        a.entry.id.localeCompare(b.entry.id) ||
        b.version.version.localeCompare(a.version.version),
    );
  const items = entries.map(({ entry, version, changes }) => {
    const page = `${absoluteUrl(baseUrl, datasetPagePath(entry.id))}#${versionAnchor(version.version)}`;
    const folder = absoluteUrl(baseUrl, versionFolder(entry.id, version.version));
    const csv = version.distributions.find((distribution) => distribution.format === 'csv');
    return [
      '  <entry>',
      `    <id>${x(folder)}</id>`,
      `    <title>${x(`${entry.title} ${version.version}`)}</title>`,
      `    <updated>${x(version.published)}</updated>`,
      `    <published>${x(version.published)}</published>`,
      `    <link rel="alternate" type="text/html" href="${x(page)}"/>`,
      ...(csv === undefined
        ? []
        : [
            `    <link rel="enclosure" type="${x(csv.mediaType)}" length="${csv.bytes}" href="${x(absoluteUrl(baseUrl, csv.path))}"/>`,
          ]),
      `    <category term="${x(entry.id)}"/>`,
      `    <summary>${x(changeSummary(changes, version.rows))}</summary>`,
      '  </entry>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${x(absoluteUrl(baseUrl, 'feed.xml'))}</id>`,
    `  <title>${x(`${catalog.title}: new versions`)}</title>`,
    `  <subtitle>${x(catalog.description)}</subtitle>`,
    `  <updated>${x(catalog.modified)}</updated>`,
    `  <author><name>${x(catalog.publisher.name)}</name></author>`,
    `  <rights>${x(`Data licensed ${catalog.license}`)}</rights>`,
    `  <link rel="self" type="application/atom+xml" href="${x(absoluteUrl(baseUrl, 'feed.xml'))}"/>`,
    `  <link rel="alternate" type="text/html" href="${x(absoluteUrl(baseUrl, 'index.html'))}"/>`,
    ...items,
    '</feed>',
    '',
  ].join('\n');
}
