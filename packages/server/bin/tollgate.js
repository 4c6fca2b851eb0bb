#!/usr/bin/env node
// The `tollgate` command: runs the compiled CLI (built by `npm install` / `npm run build`).
import { run } from '../dist/cli/entry.js';

process.exitCode = await run(process.argv);
