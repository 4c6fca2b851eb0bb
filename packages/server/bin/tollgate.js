#!/usr/bin/env node
// The `tollgate` command: runs the compiled CLI (built by `npm install` / `npm run build`).
import { endOnClosedPipes } from '../dist/cli/io.js';
import { main } from '../dist/cli/main.js';

endOnClosedPipes();

process.exitCode = await main(process.argv);
