/**
 * Lambda entry of the `Custom::RunAfterDeployment` resource: starts the state
 * machine once after a deployment that changed the sources or the code,
 * retrying while IAM makes the new permission effective (see
 * steps/run-after-deployment.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { createLogger } from './logger.js';
import {
  createRunAfterDeploymentHandler,
  respondToCloudFormation,
  type StartExecution,
} from './steps/run-after-deployment.js';

/** The part of `@aws-sdk/client-sfn` used here. */
interface StepFunctionsModule {
  readonly SFNClient: new (config: Record<string, never>) => {
    send(command: unknown): Promise<{ executionArn?: string }>;
  };
  readonly StartExecutionCommand: new (input: {
    stateMachineArn: string;
    name: string;
    input: string;
  }) => unknown;
}

/**
 * The Step Functions client of the Lambda runtime's AWS SDK (every `nodejs*.x` runtime ships
 * SDK v3), left out of the bundle (see `runtimeModules` in lib/publishing-triggers.ts): the
 * repository does not depend on `@aws-sdk/client-sfn` for this one call. Named through a
 * variable so that neither TypeScript nor esbuild resolves it here.
 */
const STEP_FUNCTIONS_MODULE: string = '@aws-sdk/client-sfn';

const logger = createLogger();
let client: InstanceType<StepFunctionsModule['SFNClient']> | undefined;

const start: StartExecution = async (request) => {
  const sfn = (await import(STEP_FUNCTIONS_MODULE)) as StepFunctionsModule;
  client ??= new sfn.SFNClient({});
  const output = await client.send(new sfn.StartExecutionCommand(request));
  if (output.executionArn === undefined) throw new Error('StartExecution returned no executionArn');
  return { executionArn: output.executionArn };
};

const runAfterDeployment = createRunAfterDeploymentHandler({
  start,
  respond: (url, response) => respondToCloudFormation(url, response),
  sleep: (milliseconds) => sleep(milliseconds),
  logger,
});

export const handler = async (event: CloudFormationCustomResourceEvent, context: Context): Promise<void> => {
  logger.addContext(context);
  await runAfterDeployment(event, () => context.getRemainingTimeInMillis());
};
