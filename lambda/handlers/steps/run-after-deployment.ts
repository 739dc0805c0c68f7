import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';
import type { StepLogger } from '../logger.js';
import { messageOf } from '../../core/errors.js';

/** What starting an execution needs (Step Functions' `StartExecution`). */
export interface StartExecutionRequest {
  readonly stateMachineArn: string;
  /** Names the execution after the deployment revision, so that a repeated start is the same run. */
  readonly name: string;
  readonly input: string;
}

/** Starts an execution; rejects with the service's error (its `name` is the error code). */
export type StartExecution = (request: StartExecutionRequest) => Promise<{ readonly executionArn: string }>;

/**
 * Errors worth another try. `AccessDeniedException` is the one a first deployment meets: the
 * function's permission to start the state machine was created moments before and IAM has not
 * made it effective everywhere yet. The others are throttling and the service's transient faults.
 */
export const RETRYABLE_START_ERRORS: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalServerError',
  'InternalFailure',
  'TimeoutError',
  'RequestTimeout',
]);

/** An execution of this name exists: this deployment's run was started already (by an earlier attempt). */
const ALREADY_STARTED = 'ExecutionAlreadyExists';

/**
 * Waits before each retry, in milliseconds: doubling from two seconds to half a minute, about
 * three minutes in all, longer than IAM usually takes to make a new permission effective.
 */
export const START_RETRY_DELAYS_MS: readonly number[] = [
  2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000, 30_000,
];

/** Properties of the custom resource (`Custom::RunAfterDeployment`). */
export interface RunAfterDeploymentProperties {
  readonly StateMachineArn: string;
  /** Changes whenever a deployment changed the sources or the functions' code. */
  readonly Revision: string;
  /** The execution's input, as JSON. */
  readonly Input: string;
}

export interface RunAfterDeploymentDeps {
  readonly start: StartExecution;
  /** Sends the outcome to CloudFormation (a PUT to the event's pre-signed `ResponseURL`). */
  readonly respond: (url: string, response: CloudFormationCustomResourceResponse) => Promise<void>;
  readonly sleep: (milliseconds: number) => Promise<void>;
  readonly logger: StepLogger;
  /** @default START_RETRY_DELAYS_MS */
  readonly delaysMs?: readonly number[];
}

/** Time kept back at the end of an invocation to answer CloudFormation. */
const RESPONSE_MARGIN_MS = 15_000;

/** An execution name from a revision: letters, digits, `-` and `_`, at most 80 characters. */
export function executionName(revision: string): string {
  return `deployment-${revision.replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 80);
}

const errorName = (error: unknown): string =>
  error instanceof Error ? error.name : typeof error === 'string' ? error : 'Error';

/**
 * Starts the run after a deployment, retrying with backoff on the errors in
 * {@link RETRYABLE_START_ERRORS} while the invocation has time left. Resolves with the
 * execution's ARN, or rejects with the last error and the number of attempts.
 */
export async function startWithRetries(
  deps: Pick<RunAfterDeploymentDeps, 'start' | 'sleep' | 'logger' | 'delaysMs'>,
  request: StartExecutionRequest,
  remainingMs: () => number,
): Promise<{ readonly executionArn: string; readonly attempts: number }> {
  const delays = deps.delaysMs ?? START_RETRY_DELAYS_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      const { executionArn } = await deps.start(request);
      return { executionArn, attempts: attempt };
    } catch (error) {
      const name = errorName(error);
      if (name === ALREADY_STARTED) {
        deps.logger.info('this revision was started already', { name: request.name });
        return {
          executionArn: `${request.stateMachineArn.replace(':stateMachine:', ':execution:')}:${request.name}`,
          attempts: attempt,
        };
      }
      const delay = delays[attempt - 1];
      if (
        !RETRYABLE_START_ERRORS.has(name) ||
        delay === undefined ||
        remainingMs() - delay < RESPONSE_MARGIN_MS
      )
        throw new Error(
          `could not start ${request.stateMachineArn} after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${name}: ${messageOf(error)}`,
          { cause: error },
        );
      deps.logger.warn('could not start the run yet; retrying', { attempt, error: name, delayMs: delay });
      await deps.sleep(delay);
    }
  }
}

/**
 * The custom resource that starts a run after each deployment that changed the sources or the
 * code. CloudFormation invokes the function directly (no provider framework, whose own new
 * permission to invoke would be one more thing for IAM to propagate); it always answers, and a
 * run that cannot be started after the retries fails the deployment with the reason.
 */
export function createRunAfterDeploymentHandler(deps: RunAfterDeploymentDeps) {
  return async (event: CloudFormationCustomResourceEvent, remainingMs: () => number): Promise<void> => {
    const properties = event.ResourceProperties as unknown as RunAfterDeploymentProperties;
    const physicalResourceId = `run-after-deployment-${properties.Revision}`;
    const base = {
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      PhysicalResourceId: event.RequestType === 'Delete' ? event.PhysicalResourceId : physicalResourceId,
    };
    if (event.RequestType === 'Delete') {
      // Nothing to undo: a run that was started goes on or has ended.
      await deps.respond(event.ResponseURL, { ...base, Status: 'SUCCESS' });
      return;
    }
    try {
      const started = await startWithRetries(
        deps,
        {
          stateMachineArn: properties.StateMachineArn,
          name: executionName(properties.Revision),
          input: properties.Input,
        },
        remainingMs,
      );
      deps.logger.info('run after deployment started', started);
      await deps.respond(event.ResponseURL, {
        ...base,
        Status: 'SUCCESS',
        Data: { ExecutionArn: started.executionArn },
      });
    } catch (error) {
      const reason = messageOf(error);
      deps.logger.error('run after deployment not started', { reason });
      await deps.respond(event.ResponseURL, { ...base, Status: 'FAILED', Reason: reason.slice(0, 1000) });
    }
  };
}

/** Sends a custom resource's response to CloudFormation's pre-signed URL, as CloudFormation documents it. */
export async function respondToCloudFormation(
  url: string,
  response: CloudFormationCustomResourceResponse,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  // A byte body: fetch adds no Content-Type, which the pre-signed URL was not signed with.
  const body = new TextEncoder().encode(JSON.stringify(response));
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await fetchImpl(url, { method: 'PUT', body, signal: AbortSignal.timeout(10_000) });
      await answer.arrayBuffer();
      if (answer.ok) return;
      throw new Error(`CloudFormation's response URL answered ${answer.status}`);
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
    }
  }
}
