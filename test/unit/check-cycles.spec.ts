import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';

/** scripts/check-cycles.mjs (run by npm test after the build) on planted source trees, and on src itself. */
const SCRIPT = join(process.cwd(), 'scripts', 'check-cycles.mjs');
const dirs: string[] = [];

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ams-cycles-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function check(dir?: string): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [SCRIPT, ...(dir === undefined ? [] : [dir])], { encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}

after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('check-cycles', () => {
  it('passes on src', () => {
    const { status, output } = check();
    assert.equal(status, 0, output);
  });

  it('passes when folders import one way only, and ignores imports inside a folder and of packages', () => {
    const dir = tree({
      'a/x.ts': "import { y } from '../b/y.js';\nimport { z } from './z.js';\nimport { Module } from '@nestjs/common';\n",
      'a/z.ts': "import { x } from './x.js';\n",
      'b/y.ts': "export const y = 1;\n// import { x } from '../a/x.js'\nconst text = \"import { x } from '../a/x.js'\";\n",
      'main.ts': "import { x } from './a/x.js';\n",
    });
    assert.equal(check(dir).status, 0);
  });

  it('fails on a planted two-folder cycle, a type-only import included, and names the files', () => {
    const dir = tree({
      'a/x.ts': "import { y } from '../b/y.js';\n",
      'b/y.ts': "import type { X } from '../a/x.js';\n",
    });
    const { status, output } = check(dir);
    assert.equal(status, 1);
    assert.match(output, /import cycle between folders: a, b/);
    assert.match(output, /a -> b {2}\(.*a\/x\.ts\)/);
    assert.match(output, /b -> a {2}\(.*b\/y\.ts\)/);
  });

  it('fails on a longer cycle through re-exports and nested files', () => {
    const dir = tree({
      'a/deep/x.ts': "export * from '../../b/y.js';\n",
      'b/y.ts': "export { z } from '../c/z.js';\n",
      'c/z.ts': "import { x } from '../a/deep/x.js';\n",
      'd/w.ts': "import { x } from '../a/deep/x.js';\n",
    });
    const { status, output } = check(dir);
    assert.equal(status, 1);
    assert.match(output, /import cycle between folders: a, b, c\n/);
    assert.doesNotMatch(output, /d ->/);
  });
});
