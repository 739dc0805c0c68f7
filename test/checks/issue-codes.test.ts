import { describe, expect, it } from 'vitest';
import reportSchema from '../../schemas/validation-report.schema.json' with { type: 'json' };
import { ISSUE_CODES } from '../../lambda/core/issue.js';

describe('issue codes', () => {
  it('are the codes schemas/validation-report.schema.json allows, in the same order', () => {
    expect(reportSchema.$defs.issue.properties.code.enum).toEqual([...ISSUE_CODES]);
  });

  it('are each listed once', () => {
    expect(new Set(ISSUE_CODES).size).toBe(ISSUE_CODES.length);
  });
});
