// The OpenAI Agents SDK adapter's contract (openai-agents-suite.ts) against `@openai/agents` 0.14, the release the repository installs.

import { Agent, ToolGuardrailFunctionOutputFactory, Usage, defineToolInputGuardrail, run, setTracingDisabled, tool } from '@openai/agents';
import { describeAgentsAdapter } from './openai-agents-suite.js';

describeAgentsAdapter({
  version: '0.14',
  Agent,
  run,
  tool,
  Usage,
  setTracingDisabled,
  defineToolInputGuardrail,
  ToolGuardrailFunctionOutputFactory,
});
