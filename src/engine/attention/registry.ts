// attention kind -> module. Adding an attention kind = one module + one line here.

import type { AttentionSpec } from '../spec.js';
import type { AttentionModule } from './attention.js';
import { gqaAttention } from './gqa.js';
import { mlaAttention } from './mla.js';

const MODULES: Record<AttentionSpec['kind'], AttentionModule> = { gqa: gqaAttention, mla: mlaAttention };

export const attentionModule = (kind: AttentionSpec['kind']): AttentionModule => MODULES[kind];
