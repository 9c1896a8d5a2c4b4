import { join } from 'node:path';

/** The repository's root, where a spawned command runs. */
export const ROOT = join(import.meta.dirname, '..', '..');

/**
 * The arguments that run `cairn ARGS…` with `process.execPath`. `npm test` compiles the sources first and
 * sets CAIRN_TEST_CLI=dist: the tests then run the built command users run (bin/cairn.js), which starts in
 * half the time of the sources under tsx (most of the CLI suites' time is processes starting). A test file
 * run on its own runs the sources, so it never tests a stale build.
 */
export function cairnArgs(...args: string[]): string[] {
  return process.env.CAIRN_TEST_CLI === 'dist'
    ? [join(ROOT, 'dist/cli/main.js'), ...args]
    : ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args];
}
