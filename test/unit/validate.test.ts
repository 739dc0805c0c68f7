import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../lambda/core/issue.js';
import { MAX_ISSUES, validateDataset } from '../../lambda/core/validate.js';
import { FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA, fixtureSource } from '../support/dataset-fixture.js';
import { briefIssue as brief } from '../support/issue-brief.js';

const HEADER = 'id,year,value_musd,flagged,day,kind';
const csv = (...lines: string[]): string => [HEADER, ...lines, ''].join('\n');

describe('validateDataset', () => {
  it('accepts the fixture and returns typed rows in file order', async () => {
    const { report, dataset } = await validateDataset(fixtureSource());

    expect(report).toMatchObject({ id: 'sample', valid: true, rows: 3, issues: [], truncated: false });
    expect(dataset?.rows).toEqual([
      { id: 't-2001', year: 2001, value_musd: 106.1, flagged: false, day: '2001-12-31', kind: 'turnover' },
      { id: 't-2002', year: 2002, value_musd: 161.2, flagged: false, kind: 'turnover' },
      { id: 'e-2019', year: 2019, value_musd: 24.06, flagged: true, kind: 'export' },
    ]);
    expect(dataset?.columns.map((column) => [column.name, column.type])).toEqual([
      ['id', 'string'],
      ['year', 'integer'],
      ['value_musd', 'number'],
      ['flagged', 'boolean'],
      ['day', 'date'],
      ['kind', 'string'],
    ]);
  });

  it.each([
    [
      'type-error',
      csv('a,2001,"12,5",false,,turnover'),
      { code: 'type-error', line: 2, column: 3, field: 'value_musd' },
    ],
    [
      'date that does not exist',
      csv('a,2001,1,false,2019-02-30,turnover'),
      { code: 'type-error', line: 2, column: 5, field: 'day' },
    ],
    ['boolean', csv('a,2001,1,yes,,turnover'), { code: 'type-error', line: 2, column: 4, field: 'flagged' }],
    ['enum', csv('a,2001,1,false,,imports'), { code: 'constraint-error', line: 2, column: 6, field: 'kind' }],
    [
      'minimum',
      csv('a,1980,1,false,,turnover'),
      { code: 'constraint-error', line: 2, column: 2, field: 'year' },
    ],
    [
      'required cell empty',
      csv('a,,1,false,,turnover'),
      { code: 'constraint-error', line: 2, column: 2, field: 'year' },
    ],
    [
      'pattern',
      csv('A B,2001,1,false,,turnover'),
      { code: 'constraint-error', line: 2, column: 1, field: 'id' },
    ],
    // Blamed on the row, not on the column where it ends: the cell it lacks may be anywhere in it.
    ['missing cell', csv('a,2001,1,false'), { code: 'missing-cell', line: 2, column: 5, field: undefined }],
    [
      'extra cell',
      csv('a,2001,1,false,,turnover,surplus'),
      { code: 'extra-cell', line: 2, column: 7, field: undefined },
    ],
    [
      'blank row',
      csv('a,2001,1,false,,turnover', '', 'b,2002,1,false,,turnover'),
      { code: 'blank-row', line: 3, column: 1, field: undefined },
    ],
    [
      'duplicate key',
      csv('a,2001,1,false,,turnover', 'a,2002,2,false,,turnover'),
      { code: 'primary-key', line: 3, column: 1, field: 'id' },
    ],
    [
      'unclosed quote',
      csv('a,2001,1,false,,turnover', 'b,"2002,1,false,,turnover'),
      { code: 'parse-error', line: 3, column: 2, field: 'year' },
    ],
    [
      'blank header',
      'id,year,,flagged,day,kind\n',
      { code: 'blank-header', line: 1, column: 3, field: undefined },
    ],
    [
      'duplicate header',
      'id,year,value_musd,flagged,day,kind,year\n',
      { code: 'duplicate-header', line: 1, column: 7, field: 'year' },
    ],
    [
      'extra header',
      'id,year,value_musd,flagged,day,kind,note\n',
      { code: 'extra-header', line: 1, column: 7, field: 'note' },
    ],
    [
      'missing header',
      'id,year,value_musd,flagged,kind\n',
      { code: 'missing-header', line: 1, column: 5, field: 'day' },
    ],
    [
      'reordered header',
      'year,id,value_musd,flagged,day,kind\n',
      { code: 'header-order', line: 1, column: 2, field: 'id' },
    ],
    ['empty file', '', { code: 'missing-header', line: 1, column: 1, field: undefined }],
  ])('reports %s with its code, line, column and field', async (_name, text, expected) => {
    const { report, dataset } = await validateDataset(fixtureSource({ csv: text }));

    expect(report.valid).toBe(false);
    expect(dataset).toBeUndefined();
    expect(report.issues.map(brief)).toContainEqual(expected);
  });

  it('says what to do about a column out of the schema order: move it in the CSV or in the schema', async () => {
    const { report } = await validateDataset(fixtureSource({ csv: 'year,id,value_musd,flagged,day,kind\n' }));

    expect(report.issues.map(formatIssue)).toEqual([
      'data/sample.csv:1:2: [header-order] id: is in position 2 but the schema puts it at 1 (expected order: "id", "year", "value_musd", "flagged", "day" and 1 more): every published file lays the columns out in the schema\'s order, so move the column in the CSV, or move it in the schema\'s "properties" (a new column order is a new major version)',
    ]);
  });

  it('takes multipleOf with a decimal step as written: 0.07 is a multiple of 0.01, 0.071 is not', async () => {
    const schema = {
      ...FIXTURE_SCHEMA,
      properties: { ...FIXTURE_SCHEMA.properties, value_musd: { type: 'number', multipleOf: 0.01 } },
    };
    const rows = ['0.07', '4.35', '0.29', '1.1', '123456.78', '0.071'].map(
      (value, i) => `r-${i},2001,${value},false,,turnover`,
    );
    const { report } = await validateDataset(
      fixtureSource({ schema, csv: ['id,year,value_musd,flagged,day,kind', ...rows, ''].join('\n') }),
    );

    expect(report.issues.map(brief)).toEqual([
      { line: 7, column: 3, code: 'constraint-error', field: 'value_musd' },
    ]);
    expect(report.issues[0]?.message).toContain('multiple of 0.01');
  });

  it('checks without keeping rows when asked, reporting the same issues', async () => {
    const text = csv('a,2001,1,false,,turnover', 'b,x,1,false,,turnover', 'a,2003,1,false,,turnover');

    const kept = await validateDataset(fixtureSource({ csv: text }));
    const checked = await validateDataset(fixtureSource({ csv: text }), undefined, { keepRows: false });
    const valid = await validateDataset(fixtureSource(), undefined, { keepRows: false });

    expect(checked.report).toEqual(kept.report);
    expect(valid.report).toMatchObject({ valid: true, rows: 3 });
    expect(valid.dataset).toBeUndefined();
  });

  it('prints issues the way curators read them', async () => {
    const { report } = await validateDataset(fixtureSource({ csv: csv('a,2001,"12,5",false,,turnover') }));

    expect(report.issues.map(formatIssue)).toEqual([
      'data/sample.csv:2:3: [type-error] value_musd: "12,5" is not a number (use a dot as the decimal separator)',
    ]);
  });

  it('collects every issue, not just the first', async () => {
    const { report } = await validateDataset(
      fixtureSource({
        csv: csv('a,x,1,false,,turnover', 'b,2001,-1,maybe,,turnover', 'a,2003,1,false,,turnover'),
      }),
    );

    expect(report.issues.map(brief)).toEqual([
      { code: 'type-error', line: 2, column: 2, field: 'year' },
      { code: 'type-error', line: 3, column: 4, field: 'flagged' },
      { code: 'constraint-error', line: 3, column: 3, field: 'value_musd' },
      { code: 'primary-key', line: 4, column: 1, field: 'id' },
    ]);
  });

  it('counts lines inside quoted fields so later errors point at the right line', async () => {
    const schema = {
      ...FIXTURE_SCHEMA,
      properties: { ...FIXTURE_SCHEMA.properties, kind: { type: 'string' } },
    };
    const { report } = await validateDataset(
      fixtureSource({
        schema,
        csv: `${HEADER}\r\na,2001,1,false,,"two\r\nline"\r\nb,x,1,false,,turnover\r\n`,
      }),
    );

    expect(report.issues.map(brief)).toEqual([{ code: 'type-error', line: 4, column: 2, field: 'year' }]);
  });

  it('reads CRLF, LF and CR files identically', async () => {
    const lines = [HEADER, 't-2001,2001,106.1,false,2001-12-31,turnover', 'e-2019,2019,24.06,true,,export'];
    const results = await Promise.all(
      ['\n', '\r\n', '\r'].map((eol) => validateDataset(fixtureSource({ csv: lines.join(eol) + eol }))),
    );

    for (const { report } of results) expect(report.valid).toBe(true);
    expect(results[1]?.dataset?.rows).toEqual(results[0]?.dataset?.rows);
    expect(results[2]?.dataset?.rows).toEqual(results[0]?.dataset?.rows);
  });

  it('says which lines a stray quote made into one row', async () => {
    // The quote before "c" is stray, and the one after it closes the cell: lines 3 and 4 are not rows.
    const { report } = await validateDataset(
      fixtureSource({ csv: csv('"a"x,2001,1,false,,turnover', 'b,2002,1,false,,', '"c",2003,1,false,,') }),
    );

    const quoting = report.issues.filter((issue) => issue.code === 'parse-error');
    expect(quoting).toHaveLength(1);
    expect(quoting[0]).toMatchObject({ line: 2, column: 1, field: 'id' });
    expect(quoting[0]?.message).toContain('lines 2-4 were read as this one row');
  });

  it('drops a UTF-8 byte-order mark', async () => {
    const { report } = await validateDataset(
      fixtureSource({ csv: `\uFEFF${csv('a,2001,1,false,,turnover')}` }),
    );

    expect(report.valid).toBe(true);
  });

  it('names a second byte-order mark, left in the first header cell, as the mark it is, not a space', async () => {
    const { report } = await validateDataset(
      fixtureSource({ csv: `\uFEFF\uFEFF${csv('a,2001,1,false,,turnover')}` }),
    );

    const header = report.issues.find(
      (issue) => issue.line === 1 && issue.column === 1 && issue.code !== 'control-character',
    );
    expect(header?.message).toContain(
      'is "\\uFEFFid", the column "id" with an invisible byte-order mark (U+FEFF) beside it, as a file that starts with two of them has',
    );
    expect(header?.message).not.toContain('space');
  });

  it('rejects bytes that are not UTF-8 with the byte offset and line', async () => {
    const text = new TextEncoder().encode(csv('a,2001,1,false,,turnover', 'b,2002,1,false,,'));
    const latin1 = Uint8Array.from([...text.slice(0, -1), 0xe9, 0x0a]); // "é" in Latin-1 as the last cell
    const { report } = await validateDataset(fixtureSource({ csv: [latin1.slice(0, 40), latin1.slice(40)] }));

    expect(report.issues).toHaveLength(1);
    expect(report.issues[0]).toMatchObject({ code: 'encoding-error', line: 3, column: 17 });
    expect(report.issues[0]?.message).toContain(`byte offset ${latin1.length - 2}`);
  });

  it('reports the header and the rows in one pass, reading cells by name when the order is wrong', async () => {
    const { report } = await validateDataset(
      fixtureSource({ csv: 'year,id,value_musd,flagged,day,kind\n2001,a,x,false,,turnover\n' }),
    );

    expect(report.issues.map(brief)).toEqual([
      { code: 'header-order', line: 1, column: 2, field: 'id' },
      { code: 'type-error', line: 2, column: 3, field: 'value_musd' },
    ]);
    expect(report.rows).toBe(1);
  });

  it('lists at most MAX_ISSUES issues and says the list is truncated', async () => {
    const rows = Array.from({ length: MAX_ISSUES + 5 }, (_, i) => `r${i},bad,1,false,,turnover`);
    const { report } = await validateDataset(fixtureSource({ csv: csv(...rows) }));

    expect(report.issues).toHaveLength(MAX_ISSUES);
    expect(report.truncated).toBe(true);
  });

  it('tells a cell of the wrong type once, not again as missing where another column requires it', async () => {
    const schema = { ...FIXTURE_SCHEMA, dependentRequired: { day: ['value_musd'] } };
    const csv = [
      'id,year,value_musd,flagged,day,kind',
      't-2001,2001,"106,1",false,2001-12-31,turnover',
      't-2002,2002,,false,2002-12-31,turnover',
      '',
    ].join('\n');

    const { report } = await validateDataset(fixtureSource({ schema, csv }));

    expect(report.issues.map(brief)).toEqual([
      { code: 'type-error', line: 2, column: 3, field: 'value_musd' },
      // Missing indeed: said at the column missing, by its name.
      { code: 'constraint-error', line: 3, column: 3, field: 'value_musd' },
    ]);
  });

  it('reports a descriptor that does not describe the schema columns', async () => {
    const descriptor = {
      ...FIXTURE_DESCRIPTOR,
      columns: FIXTURE_DESCRIPTOR.columns.slice(1),
      primaryKey: ['nope'],
    };
    const { report } = await validateDataset(fixtureSource({ descriptor }));

    expect(report.issues.map((issue) => [issue.code, issue.field])).toEqual([
      ['descriptor-error', '/columns'],
      ['descriptor-error', '/primaryKey'],
    ]);
  });

  it('says which columns a descriptor misses, adds or misorders, whatever their number', async () => {
    const message = async (columns: readonly { name: string; description: string }[]) => {
      const { report } = await validateDataset(
        fixtureSource({ descriptor: { ...FIXTURE_DESCRIPTOR, columns } }),
      );
      return report.issues.find((issue) => issue.field === '/columns')?.message;
    };
    const all = FIXTURE_DESCRIPTOR.columns;
    const prefix = "must describe the schema's columns, in its order: ";

    expect(await message(all.filter((column) => column.name !== 'day'))).toBe(
      `${prefix}"day" is not described (add it)`,
    );
    expect(await message([...all, { name: 'extra', description: 'Not in the schema.' }])).toBe(
      `${prefix}"extra" is not a column of the schema`,
    );
    expect(await message([all[1], all[0], ...all.slice(2)].filter((column) => column !== undefined))).toBe(
      `${prefix}column 1 is described as "year" where the schema has "id"`,
    );
    expect(await message(all)).toBeUndefined();
  });

  it('reports descriptor fields that break schemas/dataset.schema.json', async () => {
    const { report } = await validateDataset(
      fixtureSource({ descriptor: { ...FIXTURE_DESCRIPTOR, description: 'too short', license: 'MIT' } }),
    );

    expect(report.issues.map((issue) => issue.field)).toEqual(['/description', '/license']);
    expect(report.issues.every((issue) => issue.code === 'descriptor-error')).toBe(true);
  });

  it('reports a schema that declares an unsupported column type', async () => {
    const schema = {
      ...FIXTURE_SCHEMA,
      properties: { ...FIXTURE_SCHEMA.properties, day: { type: 'array' } },
    };
    const { report } = await validateDataset(fixtureSource({ schema }));

    // The fixture's schema is written on one line: the issue points at the member's name in it.
    const column = JSON.stringify(schema).indexOf('"day":') + 1;
    expect(report.issues.map(brief)).toEqual([
      { code: 'schema-error', line: 1, column, field: '/properties/day' },
    ]);
  });

  it('reports "format" on a column that is not text, where it would check nothing', async () => {
    const schema = {
      ...FIXTURE_SCHEMA,
      properties: { ...FIXTURE_SCHEMA.properties, year: { type: 'integer', format: 'date' } },
    };
    const { report } = await validateDataset(fixtureSource({ schema }));

    expect(report.issues.map((issue) => [issue.code, issue.field])).toEqual([
      ['schema-error', '/properties/year/format'],
    ]);
    expect(report.issues[0]?.message).toContain('"format" checks text only');
  });

  it('reports a schema that ajv strict mode refuses', async () => {
    const schema = {
      ...FIXTURE_SCHEMA,
      properties: { ...FIXTURE_SCHEMA.properties, year: { type: 'integer', unit: 'year' } },
    };
    const { report } = await validateDataset(fixtureSource({ schema }));

    expect(report.issues).toHaveLength(1);
    expect(report.issues[0]?.code).toBe('schema-error');
    expect(report.issues[0]).toMatchObject({
      field: '/properties/year/unit',
      message: '"unit" is not a JSON Schema keyword, so the schema does not compile',
    });
  });

  it('names a keyword of the wrong kind, and a required member no subschema declares, where each is written', async () => {
    const wrongEnum = {
      ...FIXTURE_SCHEMA,
      properties: { ...FIXTURE_SCHEMA.properties, kind: { type: 'string', enum: 'turnover' } },
    };
    // value_musd renamed in the properties, and not in the "required" of a subschema beside them.
    const { value_musd: renamed, ...others } = FIXTURE_SCHEMA.properties;
    const kindIsSet = { properties: { kind: { type: 'string' } }, required: ['kind'] };
    const stale = {
      ...FIXTURE_SCHEMA,
      properties: { ...others, value_usd: renamed },
      allOf: [{ if: kindIsSet, then: { not: { required: ['value_musd'] } } }],
    };
    // A subschema that requires a column without declaring it, which ajv's strict mode refuses.
    const undeclared = { ...FIXTURE_SCHEMA, allOf: [{ if: { required: ['kind'] }, then: kindIsSet }] };
    const located = async (schema: object, after: string) => {
      const source = fixtureSource({ schema });
      const { report } = await validateDataset(source);
      const at = source.schema.text.indexOf('"', source.schema.text.indexOf(after) + after.length);
      const line = source.schema.text.slice(0, at).split('\n').length;
      const column = at - source.schema.text.lastIndexOf('\n', at - 1);
      return { issues: report.issues.map(formatIssue), where: `${source.schema.file}:${line}:${column}` };
    };

    const enumIssue = await located(wrongEnum, '"kind":{"type":"string",');
    expect(enumIssue.issues).toEqual([
      `${enumIssue.where}: [schema-error] /properties/kind/enum: must be array, so the schema does not compile`,
    ]);
    const renamedIssue = await located(stale, '"not":{');
    expect(renamedIssue.issues).toEqual([
      `${renamedIssue.where}: [schema-error] /allOf/0/then/not/required: "value_musd" is required but is not a column of the schema (did you mean "value_usd"?), so the schema does not compile`,
    ]);
    const undeclaredIssue = await located(undeclared, '"if":{');
    expect(undeclaredIssue.issues).toEqual([
      `${undeclaredIssue.where}: [schema-error] /allOf/0/if/required: "kind" is required but this subschema's "properties" does not declare it: add "kind": {} to them, so the schema compiles`,
    ]);
  });

  it('names a mistyped keyword where it is written, with the keyword meant', async () => {
    const schema = {
      ...FIXTURE_SCHEMA,
      properties: { ...FIXTURE_SCHEMA.properties, year: { type: 'integer', minimun: 1991 } },
    };
    const source = fixtureSource({ schema });
    const { report } = await validateDataset(source);

    // The key's place in the file, as an editor shows it.
    const at = source.schema.text.indexOf('"minimun"');
    const line = source.schema.text.slice(0, at).split('\n').length;
    const column = at - source.schema.text.lastIndexOf('\n', at - 1);
    expect(report.issues.map(formatIssue)).toEqual([
      `${source.schema.file}:${line}:${column}: [schema-error] /properties/year/minimun: "minimun" is not a JSON Schema keyword (did you mean "minimum"?), so the schema does not compile`,
    ]);
  });

  it('names the type a column declares when it is none it can have, with the type meant', async () => {
    const schema = {
      ...FIXTURE_SCHEMA,
      properties: {
        ...FIXTURE_SCHEMA.properties,
        year: { type: 'integr' },
        value_musd: { type: ['number', 'string'] },
        day: { title: 'Day' },
      },
    };
    const { report } = await validateDataset(fixtureSource({ schema }));

    const told = (pointer: string) => report.issues.find((issue) => issue.field === pointer)?.message;
    expect(told('/properties/year')).toBe(
      'declares "type": "integr" (did you mean "integer"?): declare "type" as one of integer, number, boolean, string, or string with "format": "date"',
    );
    expect(told('/properties/value_musd')).toBe(
      'declares "type": ["number","string"]: declare "type" as one of integer, number, boolean, string, or string with "format": "date"',
    );
    expect(told('/properties/day')).toBe(
      'declares no "type": declare "type" as one of integer, number, boolean, string, or string with "format": "date"',
    );
  });

  it('points at the mistyped keyword, not at a column that happens to bear its name', async () => {
    const schema = {
      ...FIXTURE_SCHEMA,
      properties: {
        ...FIXTURE_SCHEMA.properties,
        minimun: { type: 'integer' },
        year: { type: 'integer', minimun: 1991 },
      },
    };

    const { report } = await validateDataset(fixtureSource({ schema }));

    expect(report.issues.map((issue) => issue.field)).toEqual(['/properties/year/minimun']);
  });

  it('reports invalid JSON in the schema with its line and column', async () => {
    const source = fixtureSource();
    const broken = {
      ...source,
      schema: { file: source.schema.file, text: '{\n  "type": "object",\n  oops\n}' },
    };
    const { report } = await validateDataset(broken);

    expect(report.issues.map(brief)).toEqual([
      { code: 'schema-error', line: 3, column: 3, field: undefined },
    ]);
  });
});
