import { valueKind, type ColumnType } from './coerce.js';
import type { ChartDeclaration } from './descriptor.js';
import { pointerSegment } from './json-limits.js';
import type { Column } from './row-schema.js';

/** A declaration's member that names a column, with the column types a chart of that kind can draw from it. */
interface ColumnMember {
  readonly member: 'x' | 'y' | 'series' | 'label' | 'year' | 'precision' | 'flag' | 'facet';
  /** The types this member accepts, by chart kind; absent: any type. */
  readonly types?: Readonly<Partial<Record<ChartDeclaration['kind'], readonly ColumnType[]>>>;
  /** What those types are, in words, for the message. */
  readonly wanted?: Readonly<Partial<Record<ChartDeclaration['kind'], string>>>;
}

const NUMERIC: readonly ColumnType[] = ['integer', 'number'];

/**
 * What each member of a chart declaration (`charts` in `schemas/dataset.schema.json`) needs of the
 * column it names: the column must exist, and for some kinds be of a type the chart can draw
 * (`site/charts.ts` draws nothing from any other).
 */
const MEMBERS: readonly ColumnMember[] = [
  {
    member: 'x',
    types: { series: ['integer'], timeline: ['date', 'integer', 'string'] },
    wanted: { series: 'an integer (year) column', timeline: 'a date, integer (year) or text column' },
  },
  {
    member: 'y',
    types: { series: NUMERIC, bars: NUMERIC },
    wanted: { series: 'a number or integer column', bars: 'a number or integer column' },
  },
  { member: 'series' },
  { member: 'label' },
  { member: 'year' },
  { member: 'precision' },
  {
    member: 'flag',
    types: { series: ['boolean'], timeline: ['boolean'], bars: ['boolean'] },
    wanted: {
      series: 'a boolean column',
      timeline: 'a boolean column',
      bars: 'a boolean column',
    },
  },
  { member: 'facet' },
];

/** Members a kind of chart cannot draw without. */
const NEEDED: Readonly<Record<ChartDeclaration['kind'], readonly 'y'[]>> = {
  series: ['y'],
  timeline: [],
  bars: ['y'],
};

/** One problem with a chart declaration: where in the descriptor, and what is wrong. */
export interface ChartProblem {
  readonly pointer: string;
  readonly message: string;
}

/**
 * Checks the descriptor's chart declarations against the dataset's columns: every column a chart
 * names (in any member, `readings` and `where`) must be a column of the schema, of a type the chart
 * can draw; `y` must be given where the kind draws it; and no two charts may share a name (each is
 * published as `chart-<name>.svg`). A declaration that fails any of these would draw nothing.
 */
export function chartProblems(
  charts: readonly ChartDeclaration[],
  columns: readonly Column[],
): ChartProblem[] {
  const byName = new Map(columns.map((column) => [column.name, column]));
  const problems: ChartProblem[] = [];
  const names = new Set<string>();
  charts.forEach((chart, index) => {
    const at = `/charts/${index}`;
    if (names.has(chart.name))
      problems.push({ pointer: `${at}/name`, message: `"${chart.name}" is the name of an earlier chart` });
    names.add(chart.name);
    const named = (name: string, pointer: string, types?: readonly ColumnType[], wanted?: string): void => {
      const column = byName.get(name);
      if (column === undefined)
        problems.push({ pointer, message: `names "${name}", which is not a column of the schema` });
      else if (types !== undefined && !types.includes(column.type))
        problems.push({
          pointer,
          message: `names "${name}", of type ${column.type}; a ${chart.kind} chart needs ${wanted ?? types.join(' or ')} here`,
        });
    };
    for (const { member, types, wanted } of MEMBERS) {
      const name = chart[member];
      if (name !== undefined) named(name, `${at}/${member}`, types?.[chart.kind], wanted?.[chart.kind]);
    }
    for (const member of NEEDED[chart.kind])
      if (chart[member] === undefined)
        problems.push({
          pointer: at,
          message: `a ${chart.kind} chart needs "${member}", the column it draws`,
        });
    chart.readings?.forEach((name, reading) =>
      named(name, `${at}/readings/${reading}`, NUMERIC, 'a number or integer column'),
    );
    for (const [name, value] of Object.entries(chart.where ?? {})) {
      const column = byName.get(name);
      if (column === undefined) {
        named(name, `${at}/where`);
        continue;
      }
      const problem = whereProblem(column, value);
      if (problem !== undefined)
        problems.push({
          pointer: `${at}/where/${pointerSegment(name)}`,
          message: `${JSON.stringify(value)} ${problem}: no row would be drawn`,
        });
    }
  });
  return problems;
}

/**
 * Why no cell of `column` can equal `value` (a chart's `where`), or undefined when one can: a value of
 * another type (the number 2019 for a text column, the text "2019" for an integer one), a whole number
 * for an integer column, or a value the column's `enum` does not list.
 */
function whereProblem(column: Column, value: string | number | boolean): string | undefined {
  if (typeof value !== valueKind(column.type))
    return `is a ${typeof value}, and "${column.name}" holds ${column.type === 'date' ? 'dates written as text' : `${column.type} values`}`;
  if (column.type === 'integer' && !Number.isInteger(value))
    return `is not a whole number, and "${column.name}" holds integers`;
  const listed = column.schema.enum;
  if (Array.isArray(listed) && !listed.includes(value))
    return `is not one of the values the schema allows in "${column.name}"`;
  return undefined;
}
