#!/usr/bin/env node
// Thin entry: everything lives in the compiled library.
import { main } from '../dist/src/cli.js';

process.exitCode = await main(process.argv);
