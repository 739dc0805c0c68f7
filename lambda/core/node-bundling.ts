// Kept apart, as chart-png-bundling.ts is, so that the CDK app and the CLI's bundler read it without loading the pipeline.
/**
 * How every bundle of the pipeline that Node runs is built, by the stack for the Lambda functions
 * (lib/pipeline-function.ts) and by the CLI and the bench for themselves (bin/cli-bundle.ts): an ES module,
 * dependencies resolved by their ES module entry first, and `require` made for the bundled CommonJS
 * dependencies that call it for Node's built-ins. What each is built for (`target`) is its own.
 */
export const NODE_BUNDLING = {
  mainFields: ['module', 'main'],
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
} as const;
