// The AI SDK adapter's contract (ai-suite.ts) against `ai` 6, the major the repository installs.

import * as ai from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describeAiAdapter } from './ai-suite.js';

describeAiAdapter({
  major: 6,
  ai,
  MockLanguageModel: MockLanguageModelV3,
  toolContext: {
    tool: {},
    call: (_name, value) => ({ experimental_context: value }),
    read: (execution) => execution.experimental_context,
  },
  sdkApproval: { tool: { needsApproval: true }, call: () => ({}) },
});
