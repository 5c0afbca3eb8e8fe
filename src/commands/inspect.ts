// `moe-eval inspect`: architecture facts of a checkpoint from its config and headers.

import { MoeEvalCommand } from '../cli/base-command.js';
import { modelFlag } from '../cli/flags.js';
import { inspectModel, type ModelFacts } from '../engine/inspect.js';
import { resolveModel } from '../engine/model-source.js';
import { storageName } from '../engine/stored-blocks.js';

export default class Inspect extends MoeEvalCommand {
  static override description = 'Show the architecture of a MoE checkpoint: layers, experts, top-k, shared experts, bytes per routed expert, parameters';
  static override examples = ['<%= config.bin %> inspect --model ./OLMoE-1B-7B-0924 --json'];
  static override flags = { model: modelFlag };

  async run(): Promise<ModelFacts> {
    const { flags } = await this.parse(Inspect);
    const facts = inspectModel((await resolveModel(flags.model)).dir);
    if (!this.jsonEnabled()) this.log(formatFacts(facts));
    return facts;
  }
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;
const count = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} B` : n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${n}`);

function formatFacts(f: ModelFacts): string {
  const rows: [string, string][] = [
    ['path', f.path],
    ['architecture', f.modelType],
    ['layers', `${f.layers} (MoE: ${f.moeLayers.length}${f.denseLayers.length ? `; dense MLP: layer ${f.denseLayers.join(', ')}${f.denseIntermediateSize ? `, intermediate ${f.denseIntermediateSize}` : ''}` : ''})`],
    ['hidden / vocab', `${f.hiddenSize} / ${f.vocabSize}`],
    ['attention', `${f.attention.heads} heads, ${f.attention.kvHeads} KV heads, head_dim ${f.attention.headDim}, qk-norm ${f.attention.qkNorm}${f.attention.slidingWindow ? `, window ${f.attention.slidingWindow}` : ''}`],
    ...(f.mla
      ? ([['MLA', `q_lora_rank ${f.mla.qLoraRank ?? 'none'}, kv_lora_rank ${f.mla.kvLoraRank}, qk_nope ${f.mla.qkNopeHeadDim} + qk_rope ${f.mla.qkRopeHeadDim}, v ${f.mla.vHeadDim}; KV cache ${f.mla.kvCache}: ${f.mla.kvCacheValuesPerTokenPerLayer} values per token per layer (expanded K/V: ${f.mla.expandedKvValuesPerTokenPerLayer})`]] as [string, string][])
      : []),
    ...(f.rope ? ([['rope', `${f.rope.kind}, θ ${f.rope.theta}${'factor' in f.rope && f.rope.factor ? `, factor ${f.rope.factor}` : ''}`]] as [string, string][]) : []),
    ['routed experts', `${f.experts} per MoE layer, top-${f.topK}, intermediate ${f.expertIntermediateSize}${f.expertStorage ? `, stored in ${storageName(f.expertStorage)} (moe-eval quantize)` : ''}`],
    ['shared experts', f.sharedExperts ? `${f.sharedExperts.count ?? 1} as one MLP of intermediate ${f.sharedExperts.intermediateSize}${f.sharedExperts.gated ? ', sigmoid-gated' : ''}, always resident (${f.sharedExperts.bytesPerLayer} bytes per layer)` : 'none'],
    ['router', f.router],
    ['stored dtypes', f.storedDtypes.join(', ')],
    ['bytes per routed expert', `${f.bytesPerExpert} (${mib(f.bytesPerExpert)})`],
    ['parameters', `${count(f.totalParameters)} total, ${count(f.activeParameters)} active per token`],
    ['other matrices', `${count(f.projectionParameters)} parameters in attention projections, shared and dense MLPs${f.tiedEmbeddings ? '' : ' and the LM head'}${f.matrixStorage ? `, stored in ${storageName(f.matrixStorage)} (moe-eval quantize)` : ''}`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}
