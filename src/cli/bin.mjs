#!/usr/bin/env node
// The `outpost` command runs the TypeScript sources directly through tsx's loader, so
// `npm ci` is the only install step (no build output to keep in sync).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
