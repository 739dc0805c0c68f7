import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { whereToLook } from '../../bin/publish-report.js';

describe('the serve command a publish suggests', () => {
  it('reads back, in a POSIX shell, as --dir and the folder as one word, whatever the folder is called', () => {
    for (const folder of [
      'public-2',
      '/tmp/out put',
      "/tmp/it's here",
      '/tmp/try-sp ü/out put',
      'a;b',
      '$HOME',
      '`x`',
    ]) {
      const line = whereToLook({ kind: 'folder', folder, isDefault: false }, undefined);
      const command = /run "(npm run opendata -- serve .*)" and open/.exec(line)?.[1];
      expect(command, line).toBeDefined();
      // The shell splits the words as it would before running npm: printed one a line instead.
      const words = spawnSync(
        'sh',
        ['-c', `printf '%s\\n' ${(command ?? '').replace(/^npm run opendata -- serve /, '')}`],
        {
          encoding: 'utf8',
        },
      ).stdout;
      expect(words).toBe(`--dir\n${folder}\n`);
    }
  });
});
