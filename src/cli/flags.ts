// Flags shared by several commands, defined once.

import { Flags } from '@oclif/core';

export const modelFlag = Flags.string({
  description: 'model: a Hugging Face checkpoint directory, or a hub id (ORG/NAME) present in the local Hugging Face cache; default: the embedded model',
  helpValue: 'DIR|HF_ID',
});

export const threadsFlag = Flags.integer({
  description: 'threads of the matrix kernels (default 2)',
  min: 1,
});
