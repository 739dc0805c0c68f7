import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dir.js';

// A setup file (vitest.config.ts): it runs before every test file, so this hook is every file's. Vitest
// runs after-hooks in the reverse order of registration, so the folders of test/support/temp-dir.ts are
// removed once the file's own afterAll hooks (which may still use them: a server, a child) are done.
afterAll(removeTempDirs);
