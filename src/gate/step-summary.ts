// GitHub Actions job summary: when $GITHUB_STEP_SUMMARY names a file, the verdict markdown is
// appended to it (GitHub renders the file on the run page). Failing to write it never changes the
// verdict; the caller reports the problem on stderr.

import { appendFileSync } from 'node:fs';

export type StepSummaryOutcome = { written: string } | { skipped: 'unset' } | { failed: string; reason: string };

export function appendStepSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): StepSummaryOutcome {
  const path = env.GITHUB_STEP_SUMMARY;
  if (!path) return { skipped: 'unset' };
  try {
    appendFileSync(path, `${markdown.endsWith('\n') ? markdown : `${markdown}\n`}\n`);
    return { written: path };
  } catch (err) {
    return { failed: path, reason: (err as Error).message };
  }
}
