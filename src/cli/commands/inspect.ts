import { createHash } from 'node:crypto';
import { inspectXpi } from '../../package/inspect-xpi.ts';
import type { Command } from '../command.ts';
import { readInputFile } from '../files.ts';

export const inspectCommand: Command = {
  path: ['inspect'],
  usage: 'inspect <file.xpi>',
  summary: 'Read a package safely and print what Outpost sees in it, as JSON.',
  help: `Prints id, version, name, type, manifest format, target applications with min/max versions, target platforms, updateURL, updateKey, the icon the catalog shows, warnings, size and sha256. The package is checked for zip bombs, unsafe paths and encrypted entries; it is never extracted to disk.

Example:
  outpost inspect my-addon-1.2.xpi`,
  positionals: [1, 1],
  async run({ positionals }, ctx) {
    const bytes = await readInputFile(ctx, positionals[0]!);
    const info = await inspectXpi(bytes);
    // The icon's entry and type, not its bytes.
    const icon = info.icon && { entry: info.icon.entry, contentType: info.icon.contentType, size: info.icon.bytes.length };
    const result = { ...info, ...(icon ? { icon } : {}), size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  },
};
