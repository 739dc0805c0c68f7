import path from 'node:path';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { CONTEXT_KEYS, ConfigError, parseOpenDataConfig } from '../../lib/app-config.js';

const context =
  (values: Record<string, unknown>) =>
  (key: string): unknown =>
    values[key];

const CERTIFICATE = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666';

describe('parseOpenDataConfig', () => {
  it('leaves every setting to its construct default when no context is given', () => {
    // Act
    const config = parseOpenDataConfig(context({}));

    // Assess
    expect(config).toEqual({});
  });

  it('reads every key, accepting numbers given as strings on the command line', () => {
    // Prepare
    const values = {
      [CONTEXT_KEYS.schedule]: 'rate(6 hours)',
      [CONTEXT_KEYS.alarmEmail]: 'ops@example.org',
      [CONTEXT_KEYS.domainName]: 'data.example.org',
      [CONTEXT_KEYS.certificateArn]: CERTIFICATE,
      [CONTEXT_KEYS.logRetention]: '30',
      [CONTEXT_KEYS.noncurrentVersionDays]: 180,
      [CONTEXT_KEYS.accessLogDays]: '400',
      [CONTEXT_KEYS.maxConcurrency]: '4',
      [CONTEXT_KEYS.datasetScratchMiB]: '4096',
    };

    // Act
    const config = parseOpenDataConfig(context(values));

    // Assess
    expect(config).toEqual({
      schedule: 'rate(6 hours)',
      alarmEmail: 'ops@example.org',
      domainName: 'data.example.org',
      certificateArn: CERTIFICATE,
      logRetention: RetentionDays.ONE_MONTH,
      noncurrentVersionDays: 180,
      accessLogDays: 400,
      maxConcurrency: 4,
      datasetScratchMiB: 4096,
    });
  });

  it('takes a folder of source texts that exists, as an absolute path', () => {
    const config = parseOpenDataConfig(context({ [CONTEXT_KEYS.sourcesDirectory]: 'test/fixtures' }));

    expect(config).toEqual({ sourcesDirectory: path.resolve('test/fixtures') });
  });

  it.each([
    [
      { [CONTEXT_KEYS.sourcesDirectory]: 'no/such/folder' },
      /"opendata:sourcesDirectory" must name an existing folder of source texts, not "no\/such\/folder"/,
    ],
    [
      { [CONTEXT_KEYS.sourcesDirectory]: 'package.json' },
      /"opendata:sourcesDirectory" must name an existing folder/,
    ],
    [{ [CONTEXT_KEYS.schedule]: 'daily' }, /"opendata:schedule" must be a schedule expression/],
    [{ [CONTEXT_KEYS.alarmEmail]: 'ops' }, /"opendata:alarmEmail" must be an e-mail address/],
    [{ [CONTEXT_KEYS.domainName]: 'data.example.org' }, /must be given together/],
    [{ [CONTEXT_KEYS.certificateArn]: CERTIFICATE }, /must be given together/],
    [
      {
        [CONTEXT_KEYS.domainName]: 'data.example.org',
        [CONTEXT_KEYS.certificateArn]: CERTIFICATE.replace('us-east-1', 'eu-central-1'),
      },
      /certificate in us-east-1/,
    ],
    [
      { [CONTEXT_KEYS.logRetention]: '31' },
      /"opendata:logRetentionDays" must be a retention CloudWatch Logs offers/,
    ],
    [{ [CONTEXT_KEYS.maxConcurrency]: '0' }, /"opendata:maxConcurrency" must be a whole number from 1 to 40/],
    [{ [CONTEXT_KEYS.accessLogDays]: 'a year' }, /"opendata:accessLogDays" must be a whole number/],
    [
      { [CONTEXT_KEYS.datasetScratchMiB]: '256' },
      /"opendata:datasetScratchMiB" must be a whole number from 512 to 10240, not "256"/,
    ],
    [{ [CONTEXT_KEYS.datasetScratchMiB]: 20480 }, /"opendata:datasetScratchMiB" must be .* not 20480/],
    [{ [CONTEXT_KEYS.datasetScratchMiB]: '10GB' }, /"opendata:datasetScratchMiB" must be a whole number/],
  ])('rejects %j, naming the key', (values, message) => {
    // Act
    const parse = () => parseOpenDataConfig(context(values));

    // Assess
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(message);
  });
});
