import { afterEach, beforeEach } from 'vitest';
import { ScratchDirectory } from '../../lambda/core/scratch.js';

/**
 * A fresh scratch folder for each test where this is called (a file's top level or a `describe`): made
 * before each test and disposed of after it, with the files left open in it. Read `current` inside a test.
 */
export function scratchForEachTest(): { readonly current: ScratchDirectory } {
  let current: ScratchDirectory | undefined;
  beforeEach(async () => {
    current = await ScratchDirectory.create();
  });
  afterEach(async () => {
    await current?.dispose();
    current = undefined;
  });
  return {
    get current(): ScratchDirectory {
      if (current === undefined) throw new Error('the scratch folder exists only while a test runs');
      return current;
    },
  };
}
