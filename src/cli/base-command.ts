// Shared behaviour of every moe-eval command: --json (the typed result on stdout, nothing else
// there) and the mapping of errors to exit codes (docs/design.md: 2 usage or input error, 3 runtime).

import { Command } from '@oclif/core';
import { MoeEvalError } from '../errors.js';

export abstract class MoeEvalCommand extends Command {
  static override enableJsonFlag = true;

  /** Human-readable progress and notes: always stderr, so stdout stays machine-readable. */
  protected note(message: string): void {
    process.stderr.write(`${message}\n`);
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    let code: number;
    let lines: string[];
    if (err instanceof MoeEvalError) {
      code = err.exitCode;
      lines = [`Error: ${err.message}`, ...(err.hint ? [`Hint: ${err.hint}`] : [])];
    } else if (err.oclif?.exit !== undefined) {
      // oclif's own flag parsing errors (unknown flag, missing value, bad option): usage errors
      code = err.oclif.exit === 0 ? 0 : 2;
      if (code === 0) return;
      lines = [`Error: ${err.message}`, `Hint: see moe-eval ${this.id ?? ''} --help`];
    } else {
      code = 3;
      lines = [`Error (internal): ${err.message}`, ...(process.env.DEBUG ? [err.stack ?? ''] : ['Hint: rerun with DEBUG=1 for the stack trace'])];
    }
    process.stderr.write(`${lines.join('\n')}\n`);
    if (this.jsonEnabled()) {
      this.logJson({ error: { code: err instanceof MoeEvalError ? err.code : code === 2 ? 'usage' : 'internal', message: err.message, exitCode: code } });
    }
    process.exitCode = code;
    return undefined;
  }
}
