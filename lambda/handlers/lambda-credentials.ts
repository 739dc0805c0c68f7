/**
 * The functions' AWS credentials: their role's, which Lambda puts in the environment of every function
 * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`). The stack bundles this module in
 * place of the SDK's default credential chain (`@aws-sdk/credential-provider-node`; see
 * `CREDENTIALS_MODULE` in deploy-contract.ts), whose first link reads the same variables: the rest of that
 * chain (SSO, shared config files, `credential_process`, web identity, the container and instance metadata
 * endpoints, with the STS and SSO clients they bring) never runs in a function, and was a tenth of each
 * bundle. The CLI keeps the whole chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** The SDK's `defaultProvider`, as the S3 client's runtime configuration calls it: the environment's credentials. */
export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
