import type { StepLogger } from '../../lambda/handlers/logger.js';

/** A step logger that logs nowhere: for tests that look at what a step did, not at its log lines. */
export const quietLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  appendKeys: () => undefined,
  removeKeys: () => undefined,
} as unknown as StepLogger;
