#!/usr/bin/env node
// The `tollgate` command: runs the compiled CLI (built by `npm install` / `npm run build`).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
