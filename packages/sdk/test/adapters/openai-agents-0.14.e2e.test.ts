// The OpenAI Agents SDK adapter's contract (openai-agents-suite.ts) against `@openai/agents` 0.14, the release the repository installs.

import * as agents from '@openai/agents';
import { describeAgentsAdapter } from './openai-agents-suite.js';

describeAgentsAdapter('0.14', agents);
