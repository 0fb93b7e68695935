/**
 * Run as a child process by test/unit/jami/jpl-memory.test.ts: inspects and verifies one .jpl on
 * disk the way publishing does (a file-backed ZIP reader, never the whole file in a Buffer) and
 * prints its own peak RSS, so the figure is not mixed with the test runner's heap.
 *
 *   node --import tsx test/helpers/jami-memory-child.ts <plugin.jpl> <anchor.pem>
 */
import { readFileSync } from 'node:fs';
import { inspectJpl } from '../../src/jami/jpl-inspect.ts';
import { verifyJpl } from '../../src/jami/jpl-verify.ts';
import { openZipFile } from '../../src/storage/file-zip-source.ts';

const [jplPath, anchorPath] = process.argv.slice(2);
if (!jplPath || !anchorPath) throw new Error('usage: jami-memory-child.ts <plugin.jpl> <anchor.pem>');
// resourceUsage().maxRSS is in KiB and is the high-water mark, so no sampling can miss a peak.
const peakBytes = (): number => process.resourceUsage().maxRSS * 1024;
const baseline = peakBytes();
const pkg = await inspectJpl(await openZipFile(jplPath));
const result = await verifyJpl(pkg, { trustAnchors: [readFileSync(anchorPath)], now: new Date() });
process.stdout.write(`${JSON.stringify({ baseline, peak: peakBytes(), id: result.id, entries: pkg.entries.length, kept: [...pkg.files.keys()] })}\n`);
