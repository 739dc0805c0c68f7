import { statSync } from 'node:fs';
import path from 'node:path';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { OpenDataError } from '../lambda/core/errors.js';
import { scheduleExpressionProblem } from './schedule-expression.js';

/**
 * The deployment settings an operator may change, read from CDK context
 * (`cdk.json` or `npx cdk deploy -c key=value`). Every key is optional; an
 * absent key leaves the construct's documented default in place.
 */
export interface OpenDataConfig {
  /** EventBridge Scheduler expression of the republishing schedule (`rate(…)`, `cron(…)` or `at(…)`). */
  readonly schedule?: string;
  /** E-mail address subscribed to the alarm topic. */
  readonly alarmEmail?: string;
  /** Custom domain of the site, e.g. `data.example.org`; needs `certificateArn`. */
  readonly domainName?: string;
  /** ARN of an ACM certificate in us-east-1 covering `domainName`. */
  readonly certificateArn?: string;
  /** Retention of the functions' and the state machine's logs. */
  readonly logRetention?: RetentionDays;
  /** Days a replaced (noncurrent) object version is kept in the site bucket. */
  readonly noncurrentVersionDays?: number;
  /** Days S3 and CloudFront access logs are kept. */
  readonly accessLogDays?: number;
  /** How many datasets the state machine validates and publishes at once. */
  readonly maxConcurrency?: number;
  /** Scratch space (`/tmp`) of validate-and-publish, in MiB: Lambda's ephemeral storage, 512 to 10240. */
  readonly datasetScratchMiB?: number;
  /**
   * Local folder of source texts deployed to the source bucket's `sources/`,
   * which the validate step checks each row's quote against; an existing
   * folder, relative to where `cdk` runs.
   */
  readonly sourcesDirectory?: string;
}

/** Context keys, all under the `opendata:` namespace so they never clash with CDK's own flags. */
export const CONTEXT_KEYS = {
  schedule: 'opendata:schedule',
  alarmEmail: 'opendata:alarmEmail',
  domainName: 'opendata:domainName',
  certificateArn: 'opendata:certificateArn',
  logRetention: 'opendata:logRetentionDays',
  noncurrentVersionDays: 'opendata:noncurrentVersionDays',
  accessLogDays: 'opendata:accessLogDays',
  maxConcurrency: 'opendata:maxConcurrency',
  datasetScratchMiB: 'opendata:datasetScratchMiB',
  sourcesDirectory: 'opendata:sourcesDirectory',
} as const satisfies Record<keyof OpenDataConfig, string>;

/** A context value that cannot be used; the message names the key and what was expected. */
export class ConfigError extends OpenDataError {
  override readonly name = 'ConfigError';
  readonly code = 'config';
}

const SCHEDULE = /^(rate|cron|at)\(.+\)$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const US_EAST_1_CERTIFICATE = /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]+$/;
const RETENTION_VALUES = new Set<number>(
  Object.values(RetentionDays).filter((value): value is number => typeof value === 'number'),
);

/**
 * Reads and checks the deployment settings. `context` is how the app looks a
 * key up (`key => app.node.tryGetContext(key)`); values given with `-c` arrive
 * as strings, so numbers are accepted in either form. Rejects early, naming
 * the key, rather than failing half-way through a deployment.
 */
export function parseOpenDataConfig(context: (key: string) => unknown): OpenDataConfig {
  const text = (key: string, pattern: RegExp, expected: string): string | undefined => {
    const value = context(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' || !pattern.test(value))
      throw new ConfigError(`context "${key}" must be ${expected}, not ${JSON.stringify(value)}`);
    return value;
  };
  const integer = (key: string, min: number, max: number): number | undefined => {
    const value = context(key);
    if (value === undefined || value === null || value === '') return undefined;
    const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max)
      throw new ConfigError(
        `context "${key}" must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`,
      );
    return number;
  };

  const schedule = text(CONTEXT_KEYS.schedule, SCHEDULE, 'a schedule expression such as "cron(0 3 * * ? *)"');
  const scheduleProblem = schedule === undefined ? undefined : scheduleExpressionProblem(schedule);
  if (scheduleProblem !== undefined)
    throw new ConfigError(
      `context "${CONTEXT_KEYS.schedule}" is no schedule expression EventBridge Scheduler accepts (${JSON.stringify(schedule)}): ${scheduleProblem}`,
    );
  const alarmEmail = text(CONTEXT_KEYS.alarmEmail, EMAIL, 'an e-mail address');
  const domainName = text(CONTEXT_KEYS.domainName, DOMAIN, 'a lowercase DNS name such as "data.example.org"');
  const certificateArn = text(
    CONTEXT_KEYS.certificateArn,
    US_EAST_1_CERTIFICATE,
    'the ARN of an ACM certificate in us-east-1 (CloudFront only uses certificates from that region)',
  );
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new ConfigError(
      `context "${CONTEXT_KEYS.domainName}" and "${CONTEXT_KEYS.certificateArn}" must be given together`,
    );
  }
  const logRetention = integer(CONTEXT_KEYS.logRetention, 1, 3653);
  if (logRetention !== undefined && !RETENTION_VALUES.has(logRetention)) {
    throw new ConfigError(
      `context "${CONTEXT_KEYS.logRetention}" must be a retention CloudWatch Logs offers (${[...RETENTION_VALUES].sort((a, b) => a - b).join(', ')}), not ${logRetention}`,
    );
  }
  const sourcesDirectory = text(CONTEXT_KEYS.sourcesDirectory, /^[^\0]+$/, 'a folder');
  if (sourcesDirectory !== undefined && !isDirectory(sourcesDirectory))
    throw new ConfigError(
      `context "${CONTEXT_KEYS.sourcesDirectory}" must name an existing folder of source texts, not ${JSON.stringify(sourcesDirectory)} (no such folder from ${process.cwd()})`,
    );
  return {
    ...(schedule === undefined ? {} : { schedule }),
    ...(sourcesDirectory === undefined ? {} : { sourcesDirectory: path.resolve(sourcesDirectory) }),
    ...(alarmEmail === undefined ? {} : { alarmEmail }),
    ...(domainName === undefined ? {} : { domainName }),
    ...(certificateArn === undefined ? {} : { certificateArn }),
    ...(logRetention === undefined ? {} : { logRetention: logRetention as RetentionDays }),
    ...optional('noncurrentVersionDays', integer(CONTEXT_KEYS.noncurrentVersionDays, 1, 3650)),
    ...optional('accessLogDays', integer(CONTEXT_KEYS.accessLogDays, 1, 3650)),
    ...optional('maxConcurrency', integer(CONTEXT_KEYS.maxConcurrency, 1, 40)),
    // Lambda's own bounds for ephemeral storage.
    ...optional('datasetScratchMiB', integer(CONTEXT_KEYS.datasetScratchMiB, 512, 10240)),
  };
}

function isDirectory(folder: string): boolean {
  try {
    return statSync(folder).isDirectory();
  } catch {
    return false;
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
