import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import catalogSchema from '../../schemas/catalog.schema.json' with { type: 'json' };
import descriptorSchema from '../../schemas/dataset.schema.json' with { type: 'json' };
import siteSchema from '../../schemas/site.schema.json' with { type: 'json' };
import reportSchema from '../../schemas/validation-report.schema.json' with { type: 'json' };
import { TEXT_KINDS } from '../../lambda/core/pipeline-schemas.js';

/**
 * The pipeline compiles its own schemas without checking them against the
 * meta-schema (to start faster); this is where they are checked instead.
 */
function metaChecker(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
  addFormats.default(ajv);
  ajv.addKeyword({
    keyword: 'x-text',
    type: 'string',
    schemaType: 'string',
    metaSchema: { enum: TEXT_KINDS },
  });
  return ajv;
}

describe("the pipeline's own schemas", () => {
  it.each([
    ['catalog', catalogSchema],
    ['dataset', descriptorSchema],
    ['site', siteSchema],
    ['validation-report', reportSchema],
  ])('%s is valid against the draft 2020-12 meta-schema, x-text values included', (_name, schema) => {
    const ajv = metaChecker();
    expect(ajv.validateSchema(schema), ajv.errorsText()).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('are refused when a keyword or an x-text value is wrong (the check can fail)', () => {
    const wrongType = {
      ...descriptorSchema,
      properties: { ...descriptorSchema.properties, x: { type: 'text' } },
    };
    expect(metaChecker().validateSchema(wrongType)).toBe(false);
    const wrongKind = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { title: { type: 'string', 'x-text': 'poem' } },
    };
    expect(() => metaChecker().compile(wrongKind)).toThrow(/x-text/);
  });
});
