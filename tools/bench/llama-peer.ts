// llama.cpp as a peer of `npm run bench`, where the user has built it: LLAMA_BENCH names the
// llama-bench binary; llama-quantize is looked for beside it (or named by LLAMA_QUANTIZE). Each bench
// checkpoint is converted to GGUF once (gguf.ts) and quantized by llama-quantize into the layouts
// compared with moe-eval's precisions. Timed the way llama.cpp's own numbers are quoted: llama-bench,
// 2 threads, prefill of 512 tokens, and 32 decode tokens after a 128-token context.

import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeGguf } from './gguf.js';
import { DECODE, LONG, PROMPT } from './shapes.js';

export interface LlamaCpp {
  bench: string;
  quantize: string;
}

/** The peer's binaries, or the reason it is skipped. */
export function findLlamaCpp(env = process.env): LlamaCpp | { skipped: string } {
  const bench = env.LLAMA_BENCH;
  if (!bench) return { skipped: 'LLAMA_BENCH is not set (build llama.cpp and point it at llama-bench; README "Benchmarks")' };
  if (!existsSync(bench)) return { skipped: `LLAMA_BENCH=${bench} does not exist` };
  const quantize = env.LLAMA_QUANTIZE ?? join(dirname(bench), 'llama-quantize');
  if (!existsSync(quantize)) return { skipped: `${quantize} does not exist (set LLAMA_QUANTIZE)` };
  return { bench, quantize };
}

/**
 * llama.cpp layouts by the moe-eval precision they are compared with. `experts-q4` keeps every
 * matrix but the routed experts in the stored precision, as `--quant q4` / `moe-eval quantize` do;
 * `q4_0` is llama-quantize's standard Q4_0 file (its output matrix in Q6_K).
 */
export const LLAMA_LAYOUTS: Record<string, string[] | null> = {
  stored: null,
  'experts-q4': ['Q4_0', ...['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate_inp', 'shexp'].flatMap((t) => ['--tensor-type', `${t}=f32`]), '--output-tensor-type', 'f32', '--token-embedding-type', 'f32'],
  q4_0: ['Q4_0'],
  bf16: ['BF16'],
};
export type LlamaLayout = keyof typeof LLAMA_LAYOUTS;

/** The GGUF of checkpoint `dir` with its weights as stored. */
export const storedGguf = (dir: string): string => `${dir}.gguf`;

/** The GGUF of checkpoint `dir` (weights stored as `storedDtype`) in `layout`, made when missing, beside it. */
export function ggufFor(peer: LlamaCpp, dir: string, storedDtype: 'F32' | 'BF16', layout: LlamaLayout, log: (line: string) => void): string {
  const stored = storedGguf(dir);
  if (!existsSync(stored)) {
    log(`writing ${stored} (GGUF, weights as stored)…`);
    writeGguf(dir, `${stored}.partial`);
    renameSync(`${stored}.partial`, stored);
  }
  const args = LLAMA_LAYOUTS[layout];
  if (!args || (layout === 'bf16' && storedDtype === 'BF16')) return stored;
  const out = `${dir}.${layout}.gguf`;
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(stored).mtimeMs) {
    log(`llama-quantize ${layout}…`);
    const [type, ...flags] = args;
    execFileSync(peer.quantize, [...flags, stored, `${out}.partial`, type, '2'], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(`${out}.partial`, out);
  }
  return out;
}

/** Mean tokens per second of one llama-bench test (its jsonl `avg_ts`). */
function llamaBench(peer: LlamaCpp, gguf: string, testArgs: string[], repeats: number): number {
  const out = execFileSync(peer.bench, ['-m', gguf, '-t', '2', '-r', String(repeats), '-o', 'jsonl', ...testArgs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 });
  const rows = out.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { avg_ts: number });
  if (rows.length !== 1) throw new Error(`llama-bench printed ${rows.length} result lines for ${testArgs.join(' ')}`);
  return rows[0].avg_ts;
}

/** Prefill of LONG tokens and decode of DECODE tokens after a PROMPT-token context, tokens per second. */
export function llamaCppOnce(peer: LlamaCpp, gguf: string, repeats: number): { prefill512: number; decode: number } {
  return {
    prefill512: llamaBench(peer, gguf, ['-p', String(LONG), '-n', '0'], repeats),
    decode: llamaBench(peer, gguf, ['-p', '0', '-n', String(DECODE), '-d', String(PROMPT)], repeats),
  };
}
