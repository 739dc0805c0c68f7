import { describe, expect, it } from 'vitest';
import { SITE_RENDERERS } from '../../lambda/core/site.js';
import { buildDcatCatalog } from '../../lambda/core/site/dcat.js';
import { datasetJsonLd } from '../../lambda/core/site/schema-org.js';
import { hostileSite, tradeDataset } from './hostile-site.js';

/** Every file of a site whose catalog and dataset publishers link to `url`. */
function renderAll(url: string): Map<string, string> {
  const context = hostileSite([tradeDataset([2001, 2002], { publisherUrl: url })], url);
  const files = new Map<string, string>();
  for (const renderer of SITE_RENDERERS) {
    for (const file of renderer.render(context)) files.set(file.key, new TextDecoder().decode(file.body));
  }
  return files;
}

describe('links from curator text are only ever http(s) or mailto', () => {
  it.each([
    'javascript:alert(1)',
    'JavaScript:alert(document.cookie)',
    ' javascript:alert(1)',
    'java\tscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    'http://[not a host',
  ])('drops a publisher URL of %j from every file, and still renders', (url) => {
    const files = renderAll(url);
    expect(files.size).toBeGreaterThan(0);
    for (const [key, text] of files) {
      // `script:` also catches `java\tscript:` as JSON writes it (`java\\tscript:`).
      expect(text.toLowerCase(), key).not.toMatch(/script:|data:text|file:\/\/|\[not a host/);
    }
  });

  it.each(['https://example.org/agency', 'http://example.org/', 'mailto:data@example.org'])(
    'keeps a publisher URL of %j in JSON-LD and DCAT',
    (url) => {
      const trade = tradeDataset([2001, 2002], { publisherUrl: url });
      const context = hostileSite([trade], url);
      const jsonLd = datasetJsonLd(context, trade) as { publisher: { url?: string } };
      expect(jsonLd.publisher.url).toBe(new URL(url).href);
      const dcat = buildDcatCatalog(context) as { 'dct:publisher': { '@id'?: string } };
      expect(dcat['dct:publisher']['@id']).toBe(new URL(url).href);
    },
  );
});
