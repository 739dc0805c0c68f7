/**
 * Checks an EventBridge Scheduler expression as the Scheduler would, so that
 * a typo fails `cdk synth` naming the problem instead of failing the
 * deployment half-way (CloudFormation rolls back the whole publishing stack).
 * Accepts `rate(<n> minute(s)|hour(s)|day(s))`, six-field `cron(…)` and
 * `at(yyyy-mm-ddThh:mm:ss)`. Returns what is wrong, or `undefined`.
 */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate !== null) return rateProblem(rate[1] as string);
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron !== null) return cronProblem(cron[1] as string);
  const at = /^at\((.*)\)$/.exec(expression);
  if (at !== null) return atProblem(at[1] as string);
  return 'it must be rate(…), cron(…) or at(…)';
}

function rateProblem(body: string): string | undefined {
  const match = /^([1-9]\d{0,8}) (minute|minutes|hour|hours|day|days)$/.exec(body);
  if (match === null) return 'rate(…) must be a positive whole number and minute(s), hour(s) or day(s)';
  const [count, unit] = [match[1] as string, match[2] as string];
  if (count === '1' && unit.endsWith('s'))
    return `rate(1 ${unit}) must be singular: rate(1 ${unit.slice(0, -1)})`;
  if (count !== '1' && !unit.endsWith('s'))
    return `rate(${count} ${unit}) must be plural: rate(${count} ${unit}s)`;
  return undefined;
}

/** Allowed values and characters of each cron field (Scheduler's documentation). */
const CRON_FIELDS: readonly {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly extra: RegExp;
}[] = [
  { name: 'minutes', min: 0, max: 59, extra: /^$/ },
  { name: 'hours', min: 0, max: 23, extra: /^$/ },
  { name: 'day-of-month', min: 1, max: 31, extra: /^(\?|L|LW|\d{1,2}W)$/ },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
    extra: /^$/,
  },
  {
    name: 'day-of-week',
    min: 1,
    max: 7,
    names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
    extra: /^(\?|L|([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5]))$/i,
  },
  { name: 'year', min: 1970, max: 2199, extra: /^$/ },
];

function cronProblem(body: string): string | undefined {
  const fields = body.split(' ');
  if (fields.length !== 6)
    return `cron(…) must have 6 fields (minutes hours day-of-month month day-of-week year), not ${fields.length}`;
  for (const [index, spec] of CRON_FIELDS.entries()) {
    const field = fields[index] as string;
    if (spec.extra.test(field) && field !== '') continue;
    const value = (text: string): boolean => {
      const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
      if (named >= 0) return true;
      if (!/^\d+$/.test(text)) return false;
      const number = Number(text);
      return number >= spec.min && number <= spec.max;
    };
    const valid = field.split(',').every((part) => {
      const [range, step, ...rest] = part.split('/');
      if (rest.length > 0 || range === undefined) return false;
      if (step !== undefined && !/^[1-9]\d*$/.test(step)) return false;
      if (range === '*') return true;
      const [from, to, ...more] = range.split('-');
      return more.length === 0 && from !== undefined && value(from) && (to === undefined || value(to));
    });
    if (!valid)
      return `cron(…) field ${index + 1} (${spec.name}) must be ${spec.min}-${spec.max}${spec.names ? ` or ${spec.names[0]}-${spec.names.at(-1)}` : ''} with , - * /, not "${field}"`;
  }
  // The Scheduler refuses both days given, or neither: one of them is "?".
  if ((fields[2] === '?') === (fields[4] === '?'))
    return 'cron(…) must have "?" in exactly one of day-of-month (field 3) and day-of-week (field 5)';
  return undefined;
}

function atProblem(body: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (match === null) return 'at(…) must be a date and time as yyyy-mm-ddThh:mm:ss';
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as number[];
  const date = new Date(Date.UTC(year as number, (month as number) - 1, day, hour, minute, second));
  if (
    date.getUTCMonth() !== (month as number) - 1 ||
    date.getUTCDate() !== day ||
    (hour as number) > 23 ||
    (minute as number) > 59 ||
    (second as number) > 59
  )
    return `at(…) names no such date and time: ${body}`;
  return undefined;
}
