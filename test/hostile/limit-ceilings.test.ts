import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, LIMIT_CEILINGS, SCHEMA_LIMITS } from '../../lambda/core/limits.js';
import { validateDataset } from '../../lambda/core/validate.js';
import { FIXTURE_DESCRIPTOR, FIXTURE_CSV, fixtureSource } from '../support/dataset-fixture.js';
import { REPO_ROOT } from '../support/workspace.js';

describe("a descriptor's limits", () => {
  it('have the ceilings of limits.ts as their maximum in the descriptor schema, none below its default', async () => {
    const schema = JSON.parse(
      await readFile(path.join(REPO_ROOT, 'schemas/dataset.schema.json'), 'utf8'),
    ) as {
      properties: { limits: { properties: Record<string, { maximum?: number }> } };
    };
    const maxima = Object.fromEntries(
      Object.entries(schema.properties.limits.properties)
        .filter(([, property]) => property.maximum !== undefined)
        .map(([name, property]) => [name, property.maximum]),
    );

    expect(maxima).toEqual(LIMIT_CEILINGS);
    for (const [name, ceiling] of Object.entries(LIMIT_CEILINGS))
      expect(ceiling).toBeGreaterThanOrEqual(DEFAULT_LIMITS[name as keyof typeof LIMIT_CEILINGS]);
    expect(LIMIT_CEILINGS.maxColumns).toBeLessThanOrEqual(SCHEMA_LIMITS.maxProperties);
  });

  it.each(Object.entries(LIMIT_CEILINGS))(
    '%s raised past its ceiling is a descriptor-error at its pointer, and the CSV is not read',
    async (name, ceiling) => {
      const over = await validateDataset(
        fixtureSource({ descriptor: { ...FIXTURE_DESCRIPTOR, limits: { [name]: ceiling + 1 } } }),
      );
      const at = await validateDataset(
        fixtureSource({ descriptor: { ...FIXTURE_DESCRIPTOR, limits: { [name]: ceiling } } }),
      );

      expect(over.report.valid).toBe(false);
      expect(over.report.issues.map((issue) => [issue.code, issue.field])).toEqual([
        ['descriptor-error', `/limits/${name}`],
      ]);
      expect(over.report.rows).toBe(0);
      expect(at.report.issues).toEqual([]);
      expect(at.report.rows).toBe(FIXTURE_CSV.trim().split('\n').length - 1);
    },
  );
});
