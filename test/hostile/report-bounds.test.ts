import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_CHARS } from '../../lambda/core/issue.js';
import { MAX_ISSUES, MAX_REPORT_BYTES, validateDataset } from '../../lambda/core/validate.js';
import { MAX_RESULT_BYTES } from '../../lambda/handlers/steps/dataset-result.js';
import { stageFromCuratedSource } from '../../lambda/handlers/steps/validate-and-publish.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { FIXTURE_SCHEMA, fixtureSource } from '../support/dataset-fixture.js';
import { hostileWorkspace, runCliChild } from './hostile-workspace.js';
import { makeTempDir } from '../support/temp-dir.js';

const ENUM_VALUES = 100_000;
const BAD_ROWS = 1_200;

/** `kind` must be one of 100,000 values, so each refused cell used to print all of them. */
const BIG_ENUM_SCHEMA = {
  ...FIXTURE_SCHEMA,
  properties: {
    ...FIXTURE_SCHEMA.properties,
    kind: { type: 'string', enum: Array.from({ length: ENUM_VALUES }, (_, i) => `value-${i}`) },
  },
};

/** 1,200 rows whose `kind` is in none of them: a CSV of about 40 KB. */
const BAD_ROWS_CSV = [
  'id,year,value_musd,flagged,day,kind',
  ...Array.from({ length: BAD_ROWS }, (_, i) => `r${i},2001,1,false,,nope`),
  '',
].join('\n');

describe('reports stay bounded whatever the input', () => {
  it('validate with a 100,000-value enum and 1,200 bad rows: exit 1, under 1 MB printed, heap capped at 128 MB', async () => {
    const ws = await hostileWorkspace({ sample: { csv: BAD_ROWS_CSV, schema: BIG_ENUM_SCHEMA } });

    const run = await runCliChild(['validate', '--data', ws.data, '--schemas', ws.schemas], {
      heapMb: 128,
      timeoutMs: 120_000,
      killAfterBytes: 64 * 1024 ** 2,
    });

    expect(run.signal, run.stderr.slice(-2000)).toBeNull();
    expect(run.code, run.stderr.slice(-2000)).toBe(1);
    expect(run.outputBytes).toBeLessThan(1024 ** 2);
    expect(run.stderr).toMatch(
      new RegExp(
        `sample\\.csv:2:6: \\[constraint-error\\] kind: "nope" is not one of "value-0", .* and \\d+ more`,
      ),
    );
  }, 180_000);

  it('every message is bounded, the list is cut at MAX_ISSUES and the report at MAX_REPORT_BYTES, with counts', async () => {
    const { report } = await validateDataset(
      fixtureSource({ csv: BAD_ROWS_CSV, schema: BIG_ENUM_SCHEMA }),
      undefined,
      {
        keepRows: false,
      },
    );

    expect(report.valid).toBe(false);
    expect(report.truncated).toBe(true);
    expect(report.issueCount).toBe(BAD_ROWS);
    expect(report.invalidRows).toBe(BAD_ROWS);
    expect(report.issues.length).toBeLessThanOrEqual(MAX_ISSUES);
    for (const issue of report.issues) expect(issue.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(Buffer.byteLength(JSON.stringify(report))).toBeLessThanOrEqual(MAX_REPORT_BYTES);
    expect(report.issues[0]?.message).toContain(`and ${ENUM_VALUES - 5} more`);
  });

  it('long header names and key values are cut with their length in every part of an issue', async () => {
    const long = 'k'.repeat(100_000);
    // Rows are checked whatever the header: each has a cell under the extra column, and they share a key.
    const csv = `id,year,value_musd,flagged,day,kind,${long}\n${long},2001,1,false,,turnover,\n${long},2001,1,false,,turnover,\n`;

    const { report } = await validateDataset(fixtureSource({ csv }));

    expect(report.issues.map((issue) => issue.code)).toEqual(['extra-header', 'primary-key']);
    const dup = await validateDataset(
      fixtureSource({
        csv: `id,year,value_musd,flagged,day,kind\n${long},2001,1,false,,turnover\n${long},2001,1,false,,turnover\n`,
        schema: { ...FIXTURE_SCHEMA, properties: { ...FIXTURE_SCHEMA.properties, id: { type: 'string' } } },
      }),
    );
    for (const issue of [...report.issues, ...dup.report.issues]) {
      expect(JSON.stringify(issue).length, JSON.stringify(issue).slice(0, 300)).toBeLessThan(
        2 * MAX_MESSAGE_CHARS,
      );
      expect(JSON.stringify(issue)).toMatch(/… \(1000\d\d chars\)/);
    }
    expect(dup.report.issues.map((issue) => issue.code)).toEqual(['primary-key']);
  });

  it('the Lambda result of a rejected hostile dataset stays under its byte cap and counts what it left out', async () => {
    const ws = await hostileWorkspace({ sample: { csv: BAD_ROWS_CSV, schema: BIG_ENUM_SCHEMA } });
    const uploads = await makeTempDir('opendata-uploads-');

    const result = await stageFromCuratedSource(
      { location: ws.source, uploads: { store: new LocalDirectoryStore(uploads), label: 'incoming' } },
      new LocalDirectoryStore(ws.out),
      'sample',
      { now: new Date('2026-01-01T00:00:00Z') },
    );

    expect(MAX_RESULT_BYTES).toBeLessThanOrEqual(32 * 1024);
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    expect(result).toMatchObject({ status: 'rejected', issueCount: BAD_ROWS });
    if (result.status !== 'rejected') return;
    expect(result.issues.length).toBeGreaterThan(0);
    expect(result.omittedIssues).toBe(BAD_ROWS - result.issues.length);
  });
});
