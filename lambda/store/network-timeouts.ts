/**
 * How long the stores that talk to a server wait for it: `verify`'s HTTP reader and the S3 client of
 * `publish --bucket` and the Lambda functions. A server that stops answering ends the run with an
 * error naming it, never holds it.
 */

/** Connecting, TLS included. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** The longest silence of the server on an open request. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
