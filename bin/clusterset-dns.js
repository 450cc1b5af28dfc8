#!/usr/bin/env node
// Runs the compiled CLI (npm run build); during development use `npx tsx src/cmd/main.ts`.
import '../dist/cmd/main.js';
