import { OpenDataError } from '../core/errors.js';

/** A handler's environment is missing a variable or has an unusable one; the message names it. */
export class ConfigurationError extends OpenDataError {
  override readonly name = 'ConfigurationError';
  readonly code = 'configuration';
}

export { ENV } from './deploy-contract.js';

/** The value of a required variable, or a {@link ConfigurationError} naming it. */
export function requireVariable(env: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '')
    throw new ConfigurationError(`environment variable ${name} is not set`);
  return value;
}

/** A required variable that must be an absolute http(s) URL; returned with a trailing slash. */
export function requireUrl(env: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = requireVariable(env, name);
  if (!/^https?:\/\/[^/]+/.test(value))
    throw new ConfigurationError(`environment variable ${name} must be an http(s) URL, not "${value}"`);
  return value.endsWith('/') ? value : `${value}/`;
}
