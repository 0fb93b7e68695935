import { stat } from 'node:fs/promises';
import { hashFile, type HashAlgorithm } from '../../storage/file-hash.ts';
import { CliError, type Command } from '../command.ts';
import { optionString, readInputFile, resolvePath } from '../files.ts';

const ALGORITHMS = ['sha256', 'sha512', 'sha384', 'sha1'];

export const hashCommand: Command = {
  path: ['hash'],
  usage: 'hash <file> [--algorithm sha256|sha512]',
  summary: 'Print a file\'s updateHash (e.g. sha256:<hex>), as update.rdf and update.json need it.',
  help: `Options:
  --algorithm, -a  sha256 (default), sha512, sha384 or sha1 (sha1 only for old manifests)

Example:
  outpost hash my-addon-1.2.xpi
  sha256:c22ad513c1243959a6d8e6b3cfad18a2a9141306f0165da6b05b008b2042e502`,
  options: { algorithm: { type: 'string', short: 'a' } },
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const algorithm = optionString(values, 'algorithm') ?? 'sha256';
    if (!ALGORITHMS.includes(algorithm)) throw new CliError('CLI_USAGE', `--algorithm must be one of ${ALGORITHMS.join(', ')}`);
    const file = positionals[0]!;
    const full = resolvePath(ctx, file);
    // Let readInputFile phrase missing/unreadable files; stream the real work.
    const info = await stat(full).catch(() => undefined);
    if (!info?.isFile()) await readInputFile(ctx, file);
    const digest = await hashFile(full, [algorithm as HashAlgorithm]);
    ctx.stdout(`${algorithm}:${digest[algorithm as HashAlgorithm]}\n`);
    return 0;
  },
};
