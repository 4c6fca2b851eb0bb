// The OpenAI Agents SDK adapter's contract (../adapters/openai-agents-suite.ts) against `@openai/agents` 0.20, installed in this folder.

import * as agents from '@openai/agents';
import { describeAgentsAdapter } from '../adapters/openai-agents-suite.js';
import { pinned, requireInstalled } from './installed.js';

requireInstalled('@openai/agents', pinned('@openai/agents'));

describeAgentsAdapter('0.20', agents);
