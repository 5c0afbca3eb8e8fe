// Typed errors of the library. Only commands turn them into exit codes (docs/design.md: 2 usage or
// input error, 3 runtime/engine error); everything else throws MoeEvalError with a stable code.

export type ErrorKind = 'usage' | 'input' | 'runtime' | 'interrupted';

/** 2: the user can fix the input; 3: an engine or runtime fault; 130: stopped by Ctrl-C / SIGTERM (the shell's code for SIGINT). */
const EXIT_CODES: Record<ErrorKind, number> = { usage: 2, input: 2, runtime: 3, interrupted: 130 };

export class MoeEvalError extends Error {
  /** stable machine-readable code, e.g. "safetensors-header-too-large" */
  readonly code: string;
  readonly kind: ErrorKind;
  /** what the user can do about it */
  readonly hint?: string;

  constructor(kind: ErrorKind, code: string, message: string, hint?: string) {
    super(message);
    this.name = 'MoeEvalError';
    this.kind = kind;
    this.code = code;
    this.hint = hint;
  }

  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}

/** Bad flags or flag combinations (exit 2). */
export const usageError = (code: string, message: string, hint?: string) => new MoeEvalError('usage', code, message, hint);
/** Bad or missing input files (exit 2). */
export const inputError = (code: string, message: string, hint?: string) => new MoeEvalError('input', code, message, hint);
/** Engine or runtime failure (exit 3). */
export const runtimeError = (code: string, message: string, hint?: string) => new MoeEvalError('runtime', code, message, hint);
