// The AI SDK adapter's contract (../adapters/ai-suite.ts) against `ai` 7, installed in this folder.

import * as ai from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describeAiAdapter } from '../adapters/ai-suite.js';
import { pinned, requireInstalled } from './installed.js';

requireInstalled('ai', pinned('ai'));

describeAiAdapter({
  major: 7,
  ai,
  MockLanguageModel: MockLanguageModelV4,
  toolContext: {
    tool: { contextSchema: ai.jsonSchema({ type: 'object', properties: { region: { type: 'string' } } }) },
    call: (name, value) => ({ toolsContext: { [name]: value } }),
    read: (execution) => execution.context,
  },
  // `needsApproval` on the tool is deprecated in ai 7: the call asks for the approval step.
  sdkApproval: { tool: {}, call: (name) => ({ toolApproval: { [name]: 'user-approval' } }) },
});
