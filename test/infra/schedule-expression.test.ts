import { describe, expect, it } from 'vitest';
import { CONTEXT_KEYS, ConfigError, parseOpenDataConfig } from '../../lib/app-config.js';
import { scheduleExpressionProblem } from '../../lib/schedule-expression.js';

describe('scheduleExpressionProblem', () => {
  it.each([
    'rate(1 minute)',
    'rate(6 hours)',
    'rate(2 days)',
    'cron(0 3 * * ? *)',
    'cron(15 10 ? * 6L 2025-2030)',
    'cron(0/15 * * * ? *)',
    'cron(0 8 1,15 JAN-MAR ? *)',
    'cron(0 12 ? * MON#2 *)',
    'cron(0 18 LW * ? *)',
    'at(2027-02-28T23:59:59)',
  ])('accepts %s', (expression) => {
    expect(scheduleExpressionProblem(expression)).toBeUndefined();
  });

  it.each([
    ['daily', 'it must be rate(…), cron(…) or at(…)'],
    ['cron(0 3 * * *)', 'cron(…) must have 6 fields'],
    ['cron(every day)', 'cron(…) must have 6 fields'],
    ['cron(0 3 * * * *)', '"?" in exactly one of day-of-month'],
    ['cron(0 3 ? * ? *)', '"?" in exactly one of day-of-month'],
    ['cron(60 3 * * ? *)', 'field 1 (minutes) must be 0-59'],
    ['cron(0 24 * * ? *)', 'field 2 (hours) must be 0-23'],
    ['cron(0 3 * 13 ? *)', 'field 4 (month) must be 1-12 or JAN-DEC'],
    ['cron(0 3 ? * FUNDAY *)', 'field 5 (day-of-week) must be 1-7 or SUN-SAT'],
    ['cron(0 3 * * ? 1900)', 'field 6 (year) must be 1970-2199'],
    ['rate(0 hours)', 'a positive whole number'],
    ['rate(5 weeks)', 'minute(s), hour(s) or day(s)'],
    ['rate(1 hours)', 'must be singular: rate(1 hour)'],
    ['rate(5 minute)', 'must be plural: rate(5 minutes)'],
    ['at(2027-02-30T10:00:00)', 'names no such date and time'],
    ['at(tomorrow)', 'yyyy-mm-ddThh:mm:ss'],
  ])('refuses %s, saying what is wrong', (expression, problem) => {
    expect(scheduleExpressionProblem(expression)).toContain(problem);
  });
});

describe('the schedule from context', () => {
  it('is refused at synthesis when EventBridge Scheduler would refuse it at deployment', () => {
    // Act
    const parse = () =>
      parseOpenDataConfig((key) => (key === CONTEXT_KEYS.schedule ? 'cron(0 3 * * *)' : undefined));

    // Assess
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(
      'context "opendata:schedule" is no schedule expression EventBridge Scheduler accepts ("cron(0 3 * * *)"): cron(…) must have 6 fields (minutes hours day-of-month month day-of-week year), not 5',
    );
  });
});
