// `moe-eval merge`: the result documents of the shards of one run -> the result of the whole run.

import { Args, Flags } from '@oclif/core';
import { MoeEvalCommand } from '../cli/base-command.js';
import { formatResults } from '../cli/format-results.js';
import type { ResultsDocument } from '../run/results/schema.js';

export default class Merge extends MoeEvalCommand {
  static override description = 'Merge the run directories of every shard (--shard I/N) of one run into one results document, equal to the unsharded run';
  static override examples = ['<%= config.bin %> merge runs/shard-0 runs/shard-1 runs/shard-2 --out runs/merged'];
  static override strict = false;
  static override args = { dirs: Args.string({ description: 'shard run directories', required: true }) };
  static override flags = {
    out: Flags.string({ description: 'run folder of the merged result (a new folder: never one of the shards)', required: true, helpValue: 'RUN_DIR' }),
    force: Flags.boolean({ description: 'replace a run at --out that merge did not write', default: false }),
  };

  async run(): Promise<ResultsDocument> {
    const { argv, flags } = await this.parse(Merge);
    const { mergeShards } = await import('../run/merge.js');
    const doc = mergeShards(argv as string[], flags.out, this.recordedArgv(), flags.force);
    if (!this.jsonEnabled()) {
      this.log(formatResults(doc, flags.out));
      const m = doc.run.merge!;
      this.log(m.identicalToUnsharded ? `merged ${m.shards} shards: identical to one unsharded run` : `merged ${m.shards} shards: NOT identical to an unsharded run: ${m.reasons.join('; ')}`);
    }
    return doc;
  }
}
