// Progress of a run on stderr: a bar with ETA when stderr is a TTY, plain periodic lines otherwise
// (CI logs), nothing with --quiet. Warnings are not progress: they are printed even then.

import type { RunObserver } from '../run/evaluate.js';
import type { RunWarning } from '../run/warnings.js';

export function createProgress(label: string, quiet: boolean, stream: NodeJS.WriteStream = process.stderr): RunObserver {
  const warn = (w: RunWarning) => stream.write(`${stream.isTTY ? '\n' : ''}warning: ${w.message}\n`);
  if (quiet) return { warn };
  let total = 0;
  let done = 0;
  let resumedFrom = 0;
  let t0 = 0;
  let lastLine = 0;
  let errors = 0;
  const tty = Boolean(stream.isTTY);
  const eta = () => {
    const rate = (done - resumedFrom) / ((performance.now() - t0) / 1000);
    const left = rate > 0 ? (total - done) / rate : NaN;
    return Number.isFinite(left) ? `${Math.floor(left / 60)}m${String(Math.round(left % 60)).padStart(2, '0')}s` : '?';
  };
  const line = () => `${label} ${done}/${total}${errors ? ` (${errors} errors)` : ''} ETA ${eta()}`;
  return {
    warn,
    start(n, already) {
      total = n;
      done = already;
      resumedFrom = already;
      t0 = performance.now();
      stream.write(`${label}: ${n} samples${already ? `, ${already} already done (resumed)` : ''}\n`);
    },
    sample(record) {
      done++;
      if (record.error) errors++;
      const now = performance.now();
      if (tty) {
        const width = 30;
        const filled = Math.round((width * done) / Math.max(1, total));
        stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line()}  `);
      } else if (now - lastLine > 10_000 || done === total) {
        stream.write(`${line()}\n`);
        lastLine = now;
      }
    },
    finish() {
      if (tty) stream.write('\n');
    },
  };
}
