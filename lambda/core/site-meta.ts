import type { SiteMeta } from './catalog.js';
import type { Result } from './issue.js';
import { checkJsonShape } from './json-limits.js';
import { SCHEMA_LIMITS } from './limits.js';
import { issuesFromErrors, siteMetaValidator } from './pipeline-schemas.js';

/**
 * Checks parsed `data/site.json` against `schemas/site.schema.json`: the
 * catalog's title, description, publisher and license, whose text reaches
 * every page, the feed and the DCAT catalog. Text must be free of control and
 * bidirectional formatting characters (the title and names on one line), and
 * the publisher's URL must be `https:`, `http:` or `mailto:`. Each problem is
 * a `descriptor-error` at its JSON pointer.
 */
export function checkSiteMeta(value: unknown, file: string): Result<SiteMeta> {
  const misshapen = checkJsonShape(value, file, {
    maxBytes: SCHEMA_LIMITS.maxDescriptorBytes,
    maxDepth: SCHEMA_LIMITS.maxDepth,
    maxProperties: SCHEMA_LIMITS.maxProperties,
  });
  if (misshapen !== undefined) return { ok: false, issues: [misshapen] };
  const validate = siteMetaValidator<SiteMeta>();
  if (validate(value)) return { ok: true, value };
  return { ok: false, issues: issuesFromErrors(validate.errors ?? [], file, 'descriptor-error') };
}
