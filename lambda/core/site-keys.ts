// Kept apart from site.ts so that the CDK app can read these keys without loading the renderers.
/**
 * Every key the catalog commit writes, as IAM object-key patterns (`*` is any
 * run of characters): `catalog.json`, then what the `SITE_RENDERERS` of site.ts
 * write. The stack grants the commit function exactly these, so a renderer
 * that writes another key must add it here.
 */
export const SITE_KEY_PATTERNS = [
  'catalog.json',
  'catalog.jsonld',
  'index.html',
  'feed.xml',
  'datasets/*/index.html',
  'datasets/*/*.svg',
] as const;
