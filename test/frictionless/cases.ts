/**
 * Cases built from frictionless-py's validation tests (resource/__spec__/test_validate.py,
 * test_validate_schema.py, checks/__spec__/test_baseline.py, read at commit 44661adf): each puts our own
 * small table in the situation a test there sets up, lists the errors that test expects (row, field
 * number, type) and says, for each, how this project reports it. Frictionless numbers rows from the header
 * (row 1), as our lines do here; its field number is the cell's position, as our column is.
 *
 * A verdict is one of:
 * - `same`: reported at the same row and field, with the code Frictionless uses (labels are "headers" here:
 *   blank-label is blank-header, and so on);
 * - `convention`: the same finding under another convention, given as the issue we report instead;
 * - `omitted`: deliberately not reported, for the reason of `docs/validation.md` named by `why`.
 */

/** A column of a case: its JSON Schema, and whether the schema requires it. */
export interface CaseColumn {
  readonly name: string;
  readonly schema: Readonly<Record<string, unknown>>;
  readonly required?: boolean;
}

/** Where an issue is: line (1 = header), column (1-based), code. */
export type Located = readonly [line: number, column: number, code: string];

/** What Frictionless expects: row number (null for the header), field number (null for the row), type. */
export type FrictionlessError = readonly [row: number | null, field: number | null, type: string];

export type Verdict =
  | { readonly verdict: 'same' }
  | { readonly verdict: 'convention'; readonly ours: Located }
  | { readonly verdict: 'omitted'; readonly why: Difference };

/** The deliberate differences, each explained in docs/validation.md under the same name. */
export type Difference =
  'one-missing-cell-per-row' | 'one-extra-cell-per-row' | 'missing-column-once' | 'blank-row-not-checked';

export interface ParityCase {
  /** The frictionless-py test the case is built from. */
  readonly from: string;
  readonly columns: readonly CaseColumn[];
  readonly primaryKey: readonly string[];
  readonly uniqueKeys?: readonly (readonly string[])[];
  readonly foreignKeys?: readonly object[];
  readonly csv: string;
  /** Only errors of these codes are compared (the Frictionless test picks them: `pick_errors`). */
  readonly pick?: readonly string[];
  readonly expected: readonly (readonly [FrictionlessError, Verdict])[];
  /** Everything we report (within `pick`), in order. */
  readonly ours: readonly Located[];
}

const SAME: Verdict = { verdict: 'same' };
const omitted = (why: Difference): Verdict => ({ verdict: 'omitted', why });
const convention = (ours: Located): Verdict => ({ verdict: 'convention', ours });

const text = (name: string, required = false): CaseColumn => ({ name, schema: { type: 'string' }, required });
const integer = (name: string, constraints: Record<string, unknown> = {}, required = false): CaseColumn => ({
  name,
  schema: { type: 'integer', ...constraints },
  required,
});
const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;

/** The situation of data/invalid.csv: a blank and a repeated header, short rows, a blank line, a long row. */
const INVALID = lines('code,city,,city', '7,Shymkent', '8,Aktau', '', '9,Baku,x,y,z');

export const CASES: readonly ParityCase[] = [
  {
    from: 'test_resource_validate_invalid (also test_validate_invalid, test_resource_validate_invalid_table)',
    columns: [integer('code', {}, true), text('city'), text('extra'), text('city2')],
    primaryKey: ['code'],
    csv: INVALID,
    expected: [
      [[null, 3, 'blank-label'], SAME],
      [[null, 4, 'duplicate-label'], SAME],
      [[2, 3, 'missing-cell'], SAME],
      [[2, 4, 'missing-cell'], omitted('one-missing-cell-per-row')],
      [[3, 3, 'missing-cell'], SAME],
      [[3, 4, 'missing-cell'], omitted('one-missing-cell-per-row')],
      [[4, null, 'blank-row'], convention([4, 1, 'blank-row'])],
      [[5, 5, 'extra-cell'], SAME],
    ],
    ours: [
      [1, 3, 'blank-header'],
      [1, 4, 'duplicate-header'],
      [2, 3, 'missing-cell'],
      [3, 3, 'missing-cell'],
      [4, 1, 'blank-row'],
      [5, 5, 'extra-cell'],
    ],
  },
  {
    from: 'test_resource_validate_blank_headers',
    columns: [integer('code', {}, true), text('city'), integer('founded')],
    primaryKey: ['code'],
    csv: lines('code,,founded', '1,Astana,1830', '2,Ganja,1804'),
    expected: [[[null, 2, 'blank-label'], SAME]],
    ours: [[1, 2, 'blank-header']],
  },
  {
    from: 'test_resource_validate_duplicate_headers',
    columns: [integer('code', {}, true), text('city'), text('code2'), integer('founded'), text('code3')],
    primaryKey: ['code'],
    csv: lines('code,city,code,founded,code', '1,Astana,0,1830,01', '2,Ganja,0,1804,02'),
    expected: [
      [[null, 3, 'duplicate-label'], SAME],
      [[null, 5, 'duplicate-label'], SAME],
    ],
    ours: [
      [1, 3, 'duplicate-header'],
      [1, 5, 'duplicate-header'],
    ],
  },
  {
    from: 'test_resource_validate_defective_rows',
    columns: [integer('code', {}, true), text('city'), integer('founded')],
    primaryKey: ['code'],
    csv: lines('code,city,founded', '1,Astana', '2,Ganja,1804,Kapaz'),
    expected: [
      [[2, 3, 'missing-cell'], SAME],
      [[3, 4, 'extra-cell'], SAME],
    ],
    ours: [
      [2, 3, 'missing-cell'],
      [3, 4, 'extra-cell'],
    ],
  },
  {
    from: 'test_resource_validate_blank_rows',
    columns: [integer('code', {}, true), text('city'), integer('founded')],
    primaryKey: ['code'],
    csv: lines('code,city,founded', '1,Astana,1830', '2,Ganja,1804', ',,'),
    expected: [[[4, null, 'blank-row'], convention([4, 1, 'blank-row'])]],
    ours: [[4, 1, 'blank-row']],
  },
  {
    from: 'test_resource_validate_blank_rows_multiple',
    columns: [integer('code', {}, true), text('city'), integer('founded')],
    primaryKey: ['code'],
    csv: lines('code,city,founded', '1,Astana,1830', '2,Ganja,1804', ...Array<string>(11).fill(',,')),
    expected: Array.from({ length: 11 }, (_, index) => [
      [index + 4, null, 'blank-row'] as const,
      convention([index + 4, 1, 'blank-row']),
    ]),
    ours: Array.from({ length: 11 }, (_, index) => [index + 4, 1, 'blank-row'] as const),
  },
  {
    from: 'test_resource_validate_structure_errors_with_limit_errors (limit_errors=3)',
    columns: [integer('code', {}, true), text('city'), integer('founded')],
    primaryKey: ['code'],
    csv: lines('code,city,founded', '1,Astana,1830', '2,Ganja,1804', ',,', '3,Baku,1806,a,b'),
    expected: [
      [[4, null, 'blank-row'], convention([4, 1, 'blank-row'])],
      [[5, 4, 'extra-cell'], SAME],
      [[5, 5, 'extra-cell'], omitted('one-extra-cell-per-row')],
    ],
    ours: [
      [4, 1, 'blank-row'],
      [5, 4, 'extra-cell'],
    ],
  },
  {
    from: 'test_resource_validate_invalid_limit_errors (limit_errors=3)',
    columns: [integer('code', {}, true), text('city'), text('extra'), text('city2')],
    primaryKey: ['code'],
    csv: INVALID,
    pick: ['blank-header', 'duplicate-header', 'missing-cell'],
    expected: [
      [[null, 3, 'blank-label'], SAME],
      [[null, 4, 'duplicate-label'], SAME],
      [[2, 3, 'missing-cell'], SAME],
    ],
    ours: [
      [1, 3, 'blank-header'],
      [1, 4, 'duplicate-header'],
      [2, 3, 'missing-cell'],
      [3, 3, 'missing-cell'],
    ],
  },
  {
    from: 'test_resource_validate_schema_extra_headers_and_cells',
    columns: [integer('code', {}, true)],
    primaryKey: ['code'],
    csv: lines('code,city', '1,Astana', '2,Ganja'),
    expected: [
      [[null, 2, 'extra-label'], SAME],
      [[2, 2, 'extra-cell'], omitted('one-extra-cell-per-row')],
      [[3, 2, 'extra-cell'], omitted('one-extra-cell-per-row')],
    ],
    ours: [[1, 2, 'extra-header']],
  },
  {
    from: 'test_resource_validate_schema_multiple_errors (pick #row, limit_errors=3)',
    columns: [integer('code', {}, true), text('city', true), integer('founded', {}, true)],
    primaryKey: ['code'],
    csv: lines('code,city,founded', '1,Astana,1830', '2,Ganja,1804', 'not_a_number,,', ',2,3,4,5,6'),
    pick: ['type-error', 'constraint-error'],
    expected: [
      [[4, 1, 'type-error'], SAME],
      [[4, 2, 'constraint-error'], SAME],
      [[4, 3, 'constraint-error'], SAME],
    ],
    ours: [
      [4, 1, 'type-error'],
      [4, 2, 'constraint-error'],
      [4, 3, 'constraint-error'],
      [5, 1, 'constraint-error'],
    ],
  },
  ...(
    [
      ['min_length', { minLength: 2 }, 'text', [[2, 2]]],
      [
        'max_length',
        { maxLength: 2 },
        'text',
        [
          [4, 2],
          [5, 2],
        ],
      ],
      ['minimum', { minimum: 2 }, 'integer', [[2, 2]]],
      [
        'maximum',
        { maximum: 2 },
        'integer',
        [
          [4, 2],
          [5, 2],
        ],
      ],
    ] as const
  ).map(([keyword, constraint, type, rows]): ParityCase => ({
    from: `test_resource_validate_schema_${keyword}_constraint (pick constraint-error)`,
    columns: [
      integer('row', {}, true),
      type === 'text'
        ? { name: 'value', schema: { type: 'string', ...constraint } }
        : integer('value', constraint),
    ],
    primaryKey: ['row'],
    csv:
      type === 'text'
        ? lines('row,value', '2,k', '3,kz', '4,kaz', '5,kaza', '6')
        : lines('row,value', '2,1', '3,2', '4,3', '5,4', '6'),
    pick: ['constraint-error'],
    expected: rows.map(([row, field]) => [[row, field, 'constraint-error'], SAME] as const),
    ours: rows.map(([row, field]) => [row, field, 'constraint-error'] as const),
  })),
  {
    from: 'test_resource_validate_schema_unique_error (pick unique-error)',
    columns: [text('code', true), text('country', true), text('slug')],
    primaryKey: ['country'],
    uniqueKeys: [['code']],
    csv: lines(
      'code,country,slug',
      'az,Azerbaijan,azerbaijan',
      'ge,Georgia,georgia',
      'kz,Kazakhstan,kazakhstan',
      'az,Azores,azores',
    ),
    pick: ['unique-error'],
    expected: [[[5, 1, 'unique-error'], SAME]],
    ours: [[5, 1, 'unique-error']],
  },
  {
    from: 'test_resource_validate_schema_unique_error_and_type_error',
    columns: [text('id', true), { name: 'number', schema: { type: 'number' } }],
    primaryKey: ['id'],
    uniqueKeys: [['number']],
    csv: lines('id,number', 'b1,100', 'b2,bad', 'b3,100', 'b4,0', 'b5,0'),
    expected: [
      [[3, 2, 'type-error'], SAME],
      [[4, 2, 'unique-error'], SAME],
      [[6, 2, 'unique-error'], SAME],
    ],
    ours: [
      [3, 2, 'type-error'],
      [4, 2, 'unique-error'],
      [6, 2, 'unique-error'],
    ],
  },
  {
    from: 'test_resource_validate_schema_primary_key_error (pick primary-key)',
    columns: [text('code', true), text('country'), text('slug')],
    primaryKey: ['code'],
    csv: lines(
      'code,country,slug',
      'az,Azerbaijan,azerbaijan',
      'ge,Georgia,georgia',
      'kz,Kazakhstan,kazakhstan',
      'az,Azores,azores',
    ),
    pick: ['primary-key'],
    expected: [[[5, null, 'primary-key'], convention([5, 1, 'primary-key'])]],
    ours: [[5, 1, 'primary-key']],
  },
  {
    from: 'test_resource_validate_schema_primary_key_and_unique_error',
    columns: [text('code', true), text('country'), text('slug')],
    primaryKey: ['code'],
    uniqueKeys: [['code']],
    csv: lines(
      'code,country,slug',
      'az,Azerbaijan,azerbaijan',
      'ge,Georgia,georgia',
      'kz,Kazakhstan,kazakhstan',
      'az,Azores,azores',
    ),
    expected: [
      [[5, 1, 'unique-error'], SAME],
      [[5, null, 'primary-key'], convention([5, 1, 'primary-key'])],
    ],
    ours: [
      [5, 1, 'primary-key'],
      [5, 1, 'unique-error'],
    ],
  },
  {
    from: 'test_resource_validate_schema_primary_key_error_composite',
    columns: [integer('id', {}, true), text('name', true)],
    primaryKey: ['id', 'name'],
    csv: lines('id,name', '1,Alim', '1,Dana', ',Eldar', '1,Dana', ','),
    pick: ['primary-key', 'blank-row'],
    expected: [
      [[5, null, 'primary-key'], convention([5, 1, 'primary-key'])],
      [[6, null, 'blank-row'], convention([6, 1, 'blank-row'])],
      [[6, null, 'primary-key'], omitted('blank-row-not-checked')],
    ],
    ours: [
      [5, 1, 'primary-key'],
      [6, 1, 'blank-row'],
    ],
  },
  {
    from: 'test_resource_validate_schema_foreign_key_error_self_referencing',
    columns: [integer('id', {}, true), integer('parent'), text('name')],
    primaryKey: ['id'],
    foreignKeys: [{ fields: 'parent', reference: { resource: '', fields: 'id' } }],
    csv: lines('id,parent,name', '1,,Kazakhstan', '2,,Azerbaijan', '3,1,Astana', '4,2,Baku'),
    expected: [],
    ours: [],
  },
  {
    from: 'test_resource_validate_schema_foreign_key_error_self_referencing_invalid',
    columns: [integer('id', {}, true), integer('parent'), text('name')],
    primaryKey: ['id'],
    foreignKeys: [{ fields: 'parent', reference: { resource: '', fields: 'id' } }],
    csv: lines('id,parent,name', '1,,Kazakhstan', '2,,Azerbaijan', '3,1,Astana', '4,2,Baku', '5,6,Ganja'),
    expected: [[[6, null, 'foreign-key'], convention([6, 2, 'foreign-key'])]],
    ours: [[6, 2, 'foreign-key']],
  },
  {
    from: 'test_resource_validate_less_actual_fields_with_required_constraint_issue_950',
    columns: [integer('id', {}, true), text('name'), text('bad', true)],
    primaryKey: ['id'],
    csv: lines('id,name', '1,Astana', '2,Ganja'),
    expected: [
      [[null, 3, 'missing-label'], SAME],
      [[2, 3, 'constraint-error'], omitted('missing-column-once')],
      [[2, 3, 'missing-cell'], omitted('missing-column-once')],
      [[3, 3, 'constraint-error'], omitted('missing-column-once')],
      [[3, 3, 'missing-cell'], omitted('missing-column-once')],
    ],
    ours: [[1, 3, 'missing-header']],
  },
  {
    from: 'test_resource_validate_infer_fields_issue_225',
    columns: [integer('name1', {}, true), text('name2')],
    primaryKey: ['name1'],
    csv: lines('name1,name2', '123,', '456,', '789'),
    expected: [[[4, 2, 'missing-cell'], SAME]],
    ours: [[4, 2, 'missing-cell']],
  },
  {
    from: 'test_resource_with_missing_required_header_with_schema_sync_is_true_issue_1611 (first case)',
    columns: [text('A', true), text('B'), text('C')],
    primaryKey: ['A'],
    csv: lines('B,C', 'b,c'),
    expected: [[[null, 3, 'missing-label'], convention([1, 1, 'missing-header'])]],
    ours: [[1, 1, 'missing-header']],
  },
  {
    from: 'test_resource_with_missing_required_header_with_schema_sync_is_true_issue_1611 (second case)',
    columns: [text('A', true), text('B'), text('C', true)],
    primaryKey: ['A'],
    csv: lines('B', 'b'),
    expected: [
      [[null, 2, 'missing-label'], convention([1, 1, 'missing-header'])],
      [[null, 3, 'missing-label'], SAME],
    ],
    ours: [
      [1, 1, 'missing-header'],
      [1, 3, 'missing-header'],
    ],
  },
  {
    from: 'test_resource_with_missing_required_header_with_schema_sync_is_true_issue_1611 (third case)',
    columns: [text('A', true), text('B'), text('C', true)],
    primaryKey: ['A'],
    csv: lines('A,B', 'a,b', 'a1', 'a2,b2', '', 'a3,b3,c3'),
    expected: [
      [[null, 3, 'missing-label'], SAME],
      [[3, 2, 'missing-cell'], SAME],
      [[5, null, 'blank-row'], convention([5, 1, 'blank-row'])],
      [[6, 3, 'extra-cell'], SAME],
    ],
    ours: [
      [1, 3, 'missing-header'],
      [3, 2, 'missing-cell'],
      [5, 1, 'blank-row'],
      [6, 3, 'extra-cell'],
    ],
  },
  {
    from: 'test_resource_validate_fields_match_reordered_labels (exact, the default)',
    columns: [integer('id', {}, true), text('name')],
    primaryKey: ['id'],
    csv: lines('name,id', 'english,1'),
    expected: [
      [[null, 1, 'incorrect-label'], convention([1, 2, 'header-order'])],
      [[null, 2, 'incorrect-label'], convention([1, 2, 'header-order'])],
    ],
    ours: [[1, 2, 'header-order']],
  },
  {
    from: 'test_resource_validate_fields_match_extra_label (exact, the default)',
    columns: [text('name', true)],
    primaryKey: ['name'],
    csv: lines('name,id', 'english,1'),
    expected: [
      [[null, 2, 'extra-label'], SAME],
      [[2, 2, 'extra-cell'], omitted('one-extra-cell-per-row')],
    ],
    ours: [[1, 2, 'extra-header']],
  },
  {
    from: 'test_resource_validate_fields_match_missing_field (exact, the default)',
    columns: [text('name', true), text('id'), text('extra')],
    primaryKey: ['name'],
    csv: lines('name,id', 'english,1'),
    expected: [
      [[null, 3, 'missing-label'], SAME],
      [[2, 3, 'missing-cell'], omitted('missing-column-once')],
    ],
    ours: [[1, 3, 'missing-header']],
  },
];

/** Frictionless's names for header problems, as this project's codes. */
export function ourCode(type: string): string {
  return type.endsWith('-label') ? type.replace(/-label$/, '-header') : type;
}
