/**
 * Runs the synthesized state machine in aws-local-stepfunctions (which needs
 * Node.js 22+, so state-machine.test.ts starts this file under Node 24), each
 * Lambda task mapped to the project's step handler over S3 (moto).
 *
 * aws-local-stepfunctions 3.0.0 runs a Map state inline only: it ignores
 * `ItemReader`, `ResultWriter` and `ToleratedFailurePercentage` and wants the
 * items in the state's input, so the synthesized "Publish each dataset" cannot
 * run as it is. That one state is run as a Task of the interpreter whose
 * `Parameters` are the real ItemReader's parameters and whose `ResultSelector`
 * and `ResultPath` are the real Map's (all evaluated by the interpreter); its
 * handler does what Step Functions does with S3 (test/support/distributed-map.ts):
 * read the items, start a child per item, and write the results. Each child
 * is the real `ItemProcessor`, its input the real `ItemSelector`, both run by
 * the interpreter. Every other state runs as synthesized.
 *
 * Several runs happen in one process (starting Node 24 and loading the code
 * is most of a run's time): each scenario is a pair of buckets and the runs
 * made on them in turn, with files put into the source bucket before a run.
 *
 * Input: a JSON file named by argv[2] ({@link RunnerConfig}); output: one line
 * `RUNNER-RESULT <json>` on stdout, the results of each scenario's runs.
 */
import { readFileSync } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import { StateMachine } from 'aws-local-stepfunctions';
import { quietLogger } from '../support/quiet-logger.js';
import { S3SourceBucket } from '../../lambda/handlers/source-bucket.js';
import { createCommitCatalogHandler } from '../../lambda/handlers/steps/commit-catalog.js';
import { createListRunHandler } from '../../lambda/handlers/steps/list-datasets.js';
import { createValidateAndPublishHandler } from '../../lambda/handlers/steps/validate-and-publish.js';
import { ObjectStoreError, type ObjectStore } from '../../lambda/core/object-store.js';
import { S3Store } from '../../lambda/store/s3.js';
import { runDistributedMap } from '../support/distributed-map.js';
import { createTestS3Client } from '../support/moto-server.js';
import { recordS3Requests, type Caller, type S3Request } from './s3-access.js';

/** One execution of the state machine. */
export interface RunSpec {
  readonly executionName: string;
  readonly input: unknown;
  /** Files put into the source bucket before the run (a curator's upload). */
  readonly sourceFiles?: Readonly<Record<string, string>>;
  /** Datasets whose validate-and-publish Lambda fails as a crashed function does (`Lambda.Unknown`). */
  readonly crashingIds?: readonly string[];
  /**
   * Datasets whose first validate-and-publish attempt fails with a store error (S3 still failing
   * after the SDK's retries) at its second create-only write, leaving a partial version folder.
   */
  readonly flakyStoreIds?: readonly string[];
  /**
   * The commit's first attempt fails writing a dataset's page, after it wrote the catalog, as S3 failing
   * after the SDK's retries does.
   */
  readonly flakyCommit?: boolean;
}

/** Runs made in turn on one pair of buckets. */
export interface Scenario {
  readonly name: string;
  /** The synthesized definition, with CloudFormation references replaced by values. */
  readonly definition: Record<string, unknown>;
  readonly sourceBucket: string;
  readonly siteBucket: string;
  readonly runs: readonly RunSpec[];
}

/** What the test hands over. */
export interface RunnerConfig {
  readonly endpoint: string;
  readonly siteUrl: string;
  readonly scenarios: readonly Scenario[];
}

/** What the runner reports for one run. */
export interface RunnerResult {
  /** The full synthesized definition passed the interpreter's validation (asl-validator). */
  readonly validated: boolean;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** The largest input or output of a top-level state (a child's are its own), in bytes. */
  readonly largestPayloadBytes: number;
  /** Every S3 request of the run, as IAM authorises it, by the function (or state machine) that sent it. */
  readonly s3Requests: readonly S3Request[];
  /** Invocations of validate-and-publish per dataset id, retries included. */
  readonly attempts: Readonly<Record<string, number>>;
  /** Invocations of the commit, retries included. */
  readonly commitAttempts: number;
}

type States = Record<string, Record<string, unknown>>;
type Definition = { StartAt: string; States: States };

const config = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as RunnerConfig;
const MAP_STATE = 'Publish each dataset';

/**
 * `inner`, except that its `method` fails where `fails` says so for the key, as S3 failing after the SDK's
 * retries does.
 */
function failing(
  inner: ObjectStore,
  method: 'put' | 'putIfAbsent',
  fails: (key: string) => boolean,
): ObjectStore {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property !== method) return value.bind(target);
      return async (key: string, ...rest: unknown[]) => {
        if (fails(key))
          throw new ObjectStoreError(
            `could not ${method === 'put' ? 'replace' : 'create'} ${key}: injected 503 SlowDown after the SDK's retries`,
            key,
          );
        return value.call(target, key, ...rest);
      };
    },
  });
}

/** `inner`, except that its second create-only write fails. */
function failingSecondCreate(inner: ObjectStore): ObjectStore {
  let creates = 0;
  return failing(inner, 'putIfAbsent', () => ++creates === 2);
}

/** `inner`, except that its first write of a dataset's page fails. */
function failingFirstPage(inner: ObjectStore): ObjectStore {
  let failed = false;
  return failing(
    inner,
    'put',
    (key) => !failed && /^datasets\/[^/]+\/index\.html$/.test(key) && (failed = true),
  );
}

/** An error as Step Functions names it (the interpreter matches Retry and Catch on `name`). */
function lambdaError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

/**
 * The states, each Task without a `TimeoutSeconds` given the functions' longest timeout: Step Functions waits
 * for such a task until the Lambda function ends (its own timeout bounds it), where the interpreter gives up
 * after 60 s, which a run on a loaded machine (a CI run beside the other tests) has exceeded. The Map's
 * stand-in has no timeout of its own in Step Functions either, but the execution's.
 */
function withTaskTimeouts(states: States): States {
  return Object.fromEntries(
    Object.entries(states).map(([name, state]) => [
      name,
      state['Type'] === 'Task' && state['TimeoutSeconds'] === undefined
        ? { ...state, TimeoutSeconds: FUNCTION_TIMEOUT_SECONDS }
        : state,
    ]),
  );
}

/** The longest timeout of the pipeline's functions (lib/publishing-workflow.ts: ten minutes). */
const FUNCTION_TIMEOUT_SECONDS = 600;

/** Runs the scenario's definition once, as `spec` says. */
async function runOnce(scenario: Scenario, spec: RunSpec): Promise<RunnerResult> {
  // One client per caller, as each function has its own (and Step Functions its own), so that
  // every request is recorded as sent by the role that would send it in a deployment.
  const s3Requests: S3Request[] = [];
  const clients: S3Client[] = [];
  const bucketsOf = (caller: Caller) => {
    const client = createTestS3Client(config.endpoint);
    recordS3Requests(client, caller, s3Requests);
    clients.push(client);
    return {
      sources: new S3SourceBucket(client, scenario.sourceBucket),
      runs: new S3Store({ client, bucket: scenario.sourceBucket }),
      site: new S3Store({ client, bucket: scenario.siteBucket }),
    };
  };
  const setup = createTestS3Client(config.endpoint);
  for (const [key, body] of Object.entries(spec.sourceFiles ?? {}))
    await new S3Store({ client: setup, bucket: scenario.sourceBucket }).put(
      key,
      new TextEncoder().encode(body),
      {
        contentType: 'text/csv',
        cacheControl: 'no-store',
      },
    );
  setup.destroy();

  const now = (): Date => new Date('2026-03-01T12:00:00Z');
  const listing = bucketsOf('list-datasets');
  const list = createListRunHandler({ sources: listing.sources, runs: listing.runs, logger: quietLogger });
  const publishing = bucketsOf('validate-and-publish');
  const publishOne = createValidateAndPublishHandler({
    sources: publishing.sources,
    site: publishing.site,
    siteUrl: config.siteUrl,
    now,
    logger: quietLogger,
  });
  const publishFlaky = createValidateAndPublishHandler({
    sources: publishing.sources,
    site: failingSecondCreate(publishing.site),
    siteUrl: config.siteUrl,
    now,
    logger: quietLogger,
  });
  const committing = bucketsOf('commit-catalog');
  const commit = createCommitCatalogHandler({
    sources: committing.sources,
    site: committing.site,
    siteUrl: config.siteUrl,
    now,
    logger: quietLogger,
    mapResults: { store: committing.runs, bucket: scenario.sourceBucket },
  });
  const commitFlaky = createCommitCatalogHandler({
    sources: committing.sources,
    site: failingFirstPage(committing.site),
    siteUrl: config.siteUrl,
    now,
    logger: quietLogger,
    mapResults: { store: committing.runs, bucket: scenario.sourceBucket },
  });
  const mapRuns = bucketsOf('state-machine').runs;
  const attempts: Record<string, number> = {};
  let commitAttempts = 0;

  let largestPayloadBytes = 0;
  /** Wraps a task handler so that the size of what it is given and gives back is measured. */
  function measured<I, O>(handler: (input: I) => Promise<O>): (input: I) => Promise<O> {
    return async (input) => {
      const output = await handler(input);
      for (const payload of [input, output])
        largestPayloadBytes = Math.max(
          largestPayloadBytes,
          Buffer.byteLength(JSON.stringify(payload ?? null)),
        );
      return output;
    };
  }

  const definition = scenario.definition as Definition;
  // Validation of the whole definition, Distributed Map fields included, as synthesized.
  new StateMachine(definition as never);

  const mapState = definition.States[MAP_STATE] as {
    ItemReader: { Parameters: Record<string, unknown> };
    ItemSelector: Record<string, unknown>;
    ItemProcessor: { StartAt: string; States: States; ProcessorConfig?: unknown };
    ResultWriter: { Parameters: { Prefix: string } };
    ResultSelector: Record<string, unknown>;
    ResultPath: string;
    MaxConcurrency: number;
    Next: string;
  };
  // The child's definition is the ItemProcessor without its ProcessorConfig (not ASL of a machine).
  const processor = {
    StartAt: mapState.ItemProcessor.StartAt,
    States: withTaskTimeouts(mapState.ItemProcessor.States),
  };
  const childMachine = new StateMachine(processor as never);
  const itemSelector = new StateMachine({
    StartAt: 'Select',
    States: { Select: { Type: 'Pass', Parameters: mapState.ItemSelector, End: true } },
  } as never);
  const runnable: Definition = {
    ...definition,
    States: withTaskTimeouts({
      ...definition.States,
      [MAP_STATE]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::s3:getObject',
        Parameters: mapState.ItemReader.Parameters,
        ResultSelector: mapState.ResultSelector,
        ResultPath: mapState.ResultPath,
        Next: mapState.Next,
      },
    }),
  };

  const handlers = {
    'List datasets': measured(list),
    [MAP_STATE]: measured(async (reader: { Bucket: string; Key: string }) => {
      let index = 0;
      return runDistributedMap({
        store: mapRuns,
        bucket: reader.Bucket,
        itemsKey: reader.Key,
        resultsPrefix: mapState.ResultWriter.Parameters.Prefix,
        maxConcurrency: mapState.MaxConcurrency,
        child: async (item) => {
          const value = item.id;
          const input = await itemSelector.run(null, {
            context: { Map: { Item: { Index: index++, Value: value } } } as never,
          }).result;
          return childMachine.run(input, {
            overrides: {
              taskResourceLocalHandlers: {
                'Validate and publish dataset': (async (event: { id?: unknown }) => {
                  const id = String(event.id);
                  attempts[id] = (attempts[id] ?? 0) + 1;
                  if ((spec.crashingIds ?? []).includes(id))
                    throw lambdaError('Lambda.Unknown', 'The Lambda runtime exited without a response');
                  if (attempts[id] === 1 && (spec.flakyStoreIds ?? []).includes(id))
                    return publishFlaky(event);
                  return publishOne(event);
                }) as never,
              },
              // The synthesized Retry's intervals (seconds, with backoff) would only slow the test.
              retryIntervalOverrides: { 'Validate and publish dataset': 0 },
            },
          }).result;
        },
      });
    }),
    'Commit catalog': measured(async (event: Parameters<typeof commit>[0]) =>
      ++commitAttempts === 1 && spec.flakyCommit === true ? commitFlaky(event) : commit(event),
    ),
  };

  let result: RunnerResult;
  try {
    const output = await new StateMachine(runnable as never, { validationOptions: { noValidate: true } }).run(
      spec.input as never,
      {
        overrides: {
          taskResourceLocalHandlers: handlers as never,
          // As in the child machine: the synthesized Retry's intervals would only slow the test.
          retryIntervalOverrides: { 'Commit catalog': 0 },
        },
        context: { Execution: { Name: spec.executionName } } as never,
      },
    ).result;
    result = {
      validated: true,
      status: 'SUCCEEDED',
      output,
      largestPayloadBytes,
      s3Requests,
      attempts,
      commitAttempts,
    };
  } catch (error) {
    // The interpreter rejects with an ExecutionError whose cause is the state's error.
    const cause = (error as { cause?: unknown }).cause ?? error;
    const failure = cause instanceof Error ? cause : new Error(String(cause));
    result = {
      validated: true,
      status: 'FAILED',
      error: failure.name,
      cause: failure.message,
      largestPayloadBytes,
      s3Requests,
      attempts,
      commitAttempts,
    };
  }

  for (const client of clients) client.destroy();
  return result;
}

const results: Record<string, RunnerResult[]> = {};
for (const scenario of config.scenarios) {
  results[scenario.name] = [];
  for (const spec of scenario.runs) results[scenario.name]?.push(await runOnce(scenario, spec));
}
process.stdout.write(`RUNNER-RESULT ${JSON.stringify(results)}\n`);
