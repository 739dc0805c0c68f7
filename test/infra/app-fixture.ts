import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { OpenDataConfig } from '../../lib/app-config.js';
import { buildOpenDataApp, type OpenDataStacks } from '../../lib/open-data-app.js';
import { makeTempDirSync } from '../support/temp-dir.js';

/** The repository root (holds cdk.json, data/, schemas/, lambda/). */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The feature flags and settings of cdk.json, so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

/**
 * A CDK app for a test: synthesizes into a folder of its own that is removed when the test file ends (an
 * app given no `outdir` makes `<temp>/cdk.outXXXXXX` and never removes it).
 */
export function testApp(props: Omit<AppProps, 'outdir'> = {}): App {
  return new App({ ...props, outdir: makeTempDirSync('opendata-cdk-') });
}

export interface SynthesizedApp {
  readonly stacks: OpenDataStacks;
  readonly assembly: CloudAssembly;
  readonly site: Template;
  readonly publishing: Template;
}

/**
 * Builds the app as bin/app.ts does (cdk.json context, cdk-nag's AwsSolutions pack) and
 * synthesizes it once, bundling the Lambdas with the local esbuild. Synthesis throws
 * if cdk-nag reports an unacknowledged finding.
 */
export function synthesizeApp(config: OpenDataConfig = {}): SynthesizedApp {
  const app = testApp({
    context: cdkJsonContext(),
    // CloudFormation schema validation (run by `cdk synth`) costs seconds; the tests assert more.
    builtinCloudFormationValidation: false,
  });
  const stacks = buildOpenDataApp(app, { projectRoot: PROJECT_ROOT, config });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  return {
    stacks,
    assembly,
    site: Template.fromStack(stacks.site),
    publishing: Template.fromStack(stacks.publishing),
  };
}
