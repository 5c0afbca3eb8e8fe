// Every test file writes its scratch folders under os.tmpdir(); this global setup points TMPDIR at
// one folder per `npm test` run (worker processes and the CLIs they spawn inherit it) and removes
// that folder at the end, so repeated runs do not pile up thousands of folders in the system temp dir.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'moe-eval-test-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
