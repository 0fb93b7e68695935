'use strict';
/**
 * The file jsfuzz loads (`jsfuzz test/fuzz/jsfuzz-entry.cjs <corpus>`; run.ts does this for every
 * target). jsfuzz is CommonJS and `require`s its target, while the targets are TypeScript ES
 * modules, so this wrapper registers tsx and the coverage hooks, imports the target named by
 * OUTPOST_FUZZ_TARGET, and exports the `fuzz` function jsfuzz calls.
 */
const { register } = require('node:module');
const { writeFileSync } = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const name = process.env.OUTPOST_FUZZ_TARGET;
if (!name || !/^[a-z0-9-]+$/.test(name)) throw new Error('OUTPOST_FUZZ_TARGET must name a file in test/fuzz/targets/');

async function load() {
  // tsx's CommonJS API resolves its loader to a path that does not exist; its ESM API works.
  const tsx = await import('tsx/esm/api');
  tsx.register();
  // Registered after tsx, so these hooks run first and see tsx's JavaScript output.
  register('./coverage-hooks.mjs', pathToFileURL(__filename), {
    data: { srcUrl: pathToFileURL(path.join(__dirname, '../../src/')).href },
  });
  return Promise.all([
    import(pathToFileURL(path.join(__dirname, 'targets', `${name}.ts`)).href),
    import(pathToFileURL(path.join(__dirname, 'bounds.ts')).href),
  ]);
}

const loading = load();
loading.catch(() => {}); // reported by the first fuzz() call, which awaits it

let current = Buffer.alloc(0);

// jsfuzz records an input only when fuzz() rejects. An error thrown from a stray callback (a stream
// event after the promise settled) would kill the worker with no trace of the input, so keep it.
function keepInputAndExit(kind, err) {
  console.log('=================================================================');
  console.log(`${kind} while running an input:`, err);
  const artifact = process.env.OUTPOST_FUZZ_ARTIFACT;
  if (artifact) {
    writeFileSync(artifact, current);
    console.log(`crash was written to ${artifact}`);
  }
  process.exit(1);
}
process.on('uncaughtException', (err) => keepInputAndExit('uncaught exception', err));
process.on('unhandledRejection', (err) => keepInputAndExit('unhandled rejection', err));

// Must stay an `async function`: jsfuzz awaits the target only when its constructor is AsyncFunction.
module.exports.fuzz = async function fuzz(buf) {
  const [target, bounds] = await loading;
  current = buf;
  await bounds.runWithinBounds(target.fuzz, buf);
};
