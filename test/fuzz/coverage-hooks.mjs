/**
 * Module-loader hooks for the jsfuzz worker. jsfuzz measures coverage through istanbul counters on
 * `globalThis.__coverage__`, but it only instruments files loaded with CommonJS `require`, and
 * Outpost is ES modules in TypeScript. These hooks run after tsx has turned a file under src/ into
 * JavaScript and instrument that with the same istanbul version jsfuzz uses, so jsfuzz's coverage
 * signal covers exactly the code under test.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// istanbul-lib-instrument is jsfuzz's own dependency: resolve it from there, not from the project.
const fromJsfuzz = createRequire(createRequire(import.meta.url).resolve('jsfuzz/package.json'));
const { createInstrumenter } = fromJsfuzz('istanbul-lib-instrument');
const instrumenter = createInstrumenter({ esModules: true, compact: true });

let srcPrefix = '';

export function initialize(data) {
  srcPrefix = data.srcUrl;
}

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!url.startsWith(srcPrefix) || result.format !== 'module' || result.source == null) return result;
  const code = typeof result.source === 'string' ? result.source : Buffer.from(result.source).toString('utf8');
  const filename = fileURLToPath(url.split('?')[0]);
  return { ...result, source: instrumenter.instrumentSync(code, filename) };
}
