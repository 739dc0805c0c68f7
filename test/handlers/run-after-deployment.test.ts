import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { quietLogger } from '../support/quiet-logger.js';
import {
  createRunAfterDeploymentHandler,
  executionName,
  respondToCloudFormation,
  type StartExecution,
  type StartExecutionRequest,
} from '../../lambda/handlers/steps/run-after-deployment.js';

// The run after a deployment: CloudFormation invokes the function, which starts the state machine
// and answers CloudFormation. On a first deployment IAM may refuse the start for some seconds
// (the function's permission was just created); that must be retried, not roll the stack back.

const STATE_MACHINE = 'arn:aws:states:eu-central-1:111122223333:stateMachine:Workflow-abc';
const RESPONSE_URL = 'https://cloudformation-custom-resource-response.example/response';
const INPUT = JSON.stringify({ trigger: 'deployment', revision: 'r1' });

function event(requestType: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: 'arn:aws:lambda:eu-central-1:111122223333:function:starter',
    ResponseURL: RESPONSE_URL,
    StackId: 'arn:aws:cloudformation:eu-central-1:111122223333:stack/OpenDataPublishing/1',
    RequestId: 'request-1',
    LogicalResourceId: 'TriggersRunAfterDeployment',
    ResourceType: 'Custom::RunAfterDeployment',
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:eu-central-1:111122223333:function:starter',
      StateMachineArn: STATE_MACHINE,
      Revision: 'r1',
      Input: INPUT,
    },
  };
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  if (requestType === 'Update')
    return {
      ...common,
      RequestType: 'Update',
      PhysicalResourceId: 'run-after-deployment-r0',
      OldResourceProperties: { ...common.ResourceProperties, Revision: 'r0' },
    };
  return { ...common, RequestType: 'Delete', PhysicalResourceId: 'run-after-deployment-r1' };
}

const serviceError = (name: string): Error => Object.assign(new Error(`${name} from the service`), { name });

/** A start that fails with each of `failures` in turn, then succeeds. */
function startFailing(...failures: string[]) {
  const calls: StartExecutionRequest[] = [];
  const start: StartExecution = async (request) => {
    calls.push(request);
    const failure = failures[calls.length - 1];
    if (failure !== undefined) throw serviceError(failure);
    return { executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${request.name}` };
  };
  return { start, calls };
}

function harness(start: StartExecution, remainingMs = 300_000) {
  const responses: CloudFormationCustomResourceResponse[] = [];
  const sleeps: number[] = [];
  const handler = createRunAfterDeploymentHandler({
    start,
    respond: async (url, response) => {
      expect(url).toBe(RESPONSE_URL);
      responses.push(response);
    },
    sleep: async (milliseconds) => {
      sleeps.push(milliseconds);
    },
    logger: quietLogger,
    delaysMs: [2_000, 4_000, 8_000, 16_000],
  });
  // The clock moves only by the waits, so a deadline is reached exactly as the delays add up.
  const invoke = (request: CloudFormationCustomResourceEvent) =>
    handler(request, () => remainingMs - sleeps.reduce((sum, delay) => sum + delay, 0));
  return { invoke, responses, sleeps };
}

describe('the run after a deployment', () => {
  it('retries a start that IAM refuses at first, with growing waits, and reports the execution', async () => {
    // Prepare
    const { start, calls } = startFailing(
      'AccessDeniedException',
      'AccessDeniedException',
      'ThrottlingException',
    );
    const { invoke, responses, sleeps } = harness(start);

    // Act
    await invoke(event('Create'));

    // Assess
    expect(calls).toHaveLength(4);
    expect(calls[0]).toEqual({ stateMachineArn: STATE_MACHINE, name: 'deployment-r1', input: INPUT });
    expect(sleeps).toEqual([2_000, 4_000, 8_000]);
    expect(responses).toEqual([
      {
        Status: 'SUCCESS',
        StackId: event('Create').StackId,
        RequestId: 'request-1',
        LogicalResourceId: 'TriggersRunAfterDeployment',
        PhysicalResourceId: 'run-after-deployment-r1',
        Data: { ExecutionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:deployment-r1` },
      },
    ]);
  });

  it('an update (new sources or code) starts the run of the new revision', async () => {
    const { start, calls } = startFailing();
    const { invoke, responses } = harness(start);

    await invoke(event('Update'));

    expect(calls.map((call) => call.name)).toEqual(['deployment-r1']);
    expect(responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'run-after-deployment-r1' });
  });

  it('fails the deployment, with the reason, when the start is still refused after every retry', async () => {
    const { start, calls } = startFailing(...Array<string>(10).fill('AccessDeniedException'));
    const { invoke, responses, sleeps } = harness(start);

    await invoke(event('Create'));

    expect(calls).toHaveLength(5);
    expect(sleeps).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(responses).toHaveLength(1);
    expect(responses[0]).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'run-after-deployment-r1' });
    expect(responses[0]?.Reason).toBe(
      `could not start ${STATE_MACHINE} after 5 attempts: AccessDeniedException: AccessDeniedException from the service`,
    );
  });

  it('stops retrying in time to answer CloudFormation before the function times out', async () => {
    const { start, calls } = startFailing(...Array<string>(10).fill('AccessDeniedException'));
    // 25 s left: two waits (2 s, 4 s) leave the 15 s kept for the answer; a third (8 s) would not.
    const { invoke, responses, sleeps } = harness(start, 25_000);

    await invoke(event('Create'));

    expect(sleeps).toEqual([2_000, 4_000]);
    expect(calls).toHaveLength(3);
    expect(responses[0]).toMatchObject({ Status: 'FAILED' });
  });

  it('does not retry an error that another try cannot fix', async () => {
    const { start, calls } = startFailing('StateMachineDoesNotExist');
    const { invoke, responses, sleeps } = harness(start);

    await invoke(event('Create'));

    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(responses[0]?.Reason).toContain('after 1 attempt: StateMachineDoesNotExist');
  });

  it('takes an execution of the same name as this revision started already', async () => {
    const { start, calls } = startFailing('AccessDeniedException', 'ExecutionAlreadyExists');
    const { invoke, responses } = harness(start);

    await invoke(event('Create'));

    expect(calls).toHaveLength(2);
    expect(responses[0]).toMatchObject({
      Status: 'SUCCESS',
      Data: { ExecutionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:deployment-r1` },
    });
  });

  it('a delete starts nothing and succeeds', async () => {
    const { start, calls } = startFailing();
    const { invoke, responses } = harness(start);

    await invoke(event('Delete'));

    expect(calls).toEqual([]);
    expect(responses).toEqual([
      expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'run-after-deployment-r1' }),
    ]);
  });

  it.each([
    ['r1', 'deployment-r1'],
    ['a/b c', 'deployment-a-b-c'],
    ['x'.repeat(100), `deployment-${'x'.repeat(69)}`],
  ])('names the execution after revision %s as Step Functions allows: %s', (revision, name) => {
    expect(executionName(revision)).toBe(name);
  });
});

describe('the answer to CloudFormation', () => {
  it('is a PUT of the response as JSON, without a Content-Type the pre-signed URL was not signed with', async () => {
    // Prepare: a local server in place of the pre-signed S3 URL.
    const received: { method?: string; contentType?: string; url?: string; body: string }[] = [];
    const server = createServer((request, reply) => {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        received.push({
          method: request.method,
          contentType: request.headers['content-type'],
          url: request.url,
          body,
        });
        reply.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const response: CloudFormationCustomResourceResponse = {
      Status: 'SUCCESS',
      StackId: 'stack',
      RequestId: 'request-1',
      LogicalResourceId: 'Run',
      PhysicalResourceId: 'run-after-deployment-r1',
    };

    // Act
    try {
      await respondToCloudFormation(`http://127.0.0.1:${port}/response?X-Amz-Signature=abc`, response);
    } finally {
      server.close();
    }

    // Assess
    expect(received).toEqual([
      {
        method: 'PUT',
        contentType: undefined,
        url: '/response?X-Amz-Signature=abc',
        body: JSON.stringify(response),
      },
    ]);
  });
});
