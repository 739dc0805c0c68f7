#!/usr/bin/env node
/**
 * The CDK app: reads the deployment settings from context (see docs/deploy.md),
 * builds the two stacks and runs cdk-nag's AwsSolutions pack on them, so that
 * `cdk synth` fails on any unacknowledged finding.
 */
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseOpenDataConfig } from '../lib/app-config.js';
import { buildOpenDataApp } from '../lib/open-data-app.js';

const app = new App();
const config = parseOpenDataConfig((key) => app.node.tryGetContext(key));
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
buildOpenDataApp(app, {
  projectRoot: fileURLToPath(new URL('..', import.meta.url)),
  config,
  ...(account === undefined || region === undefined ? {} : { env: { account, region } }),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
