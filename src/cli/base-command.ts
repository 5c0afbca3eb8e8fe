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

  /** The command line as results record it: the command, then its arguments. */
  protected recordedArgv(): string[] {
    return [...(this.id ? this.id.split(':') : []), ...this.argv];
  }

  /**
   * Runs `fn` with a signal that Ctrl-C or SIGTERM aborts: the run finishes the sample in flight,
   * marks its folder interrupted and stops. A second signal quits at once (the checkpoint written
   * after every sample keeps what was finished).
   */
  protected async interruptible<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const onSignal = (name: NodeJS.Signals) => {
      if (controller.signal.aborted) {
        process.stderr.write(`\n${name} again: quitting now\n`);
        process.exit(name === 'SIGTERM' ? 143 : 130);
      }
      process.stderr.write(`\n${name}: stopping after the sample in flight (send it again to quit at once)\n`);
      controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      return await fn(controller.signal);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    let code: number;
    let lines: string[];
    if (err instanceof MoeEvalError) {
      code = err.exitCode;
      lines = [`${err.kind === 'interrupted' ? 'Interrupted' : 'Error'}: ${err.message}`, ...(err.hint ? [`Hint: ${err.hint}`] : [])];
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
