import { extensionIdOf } from '../../crx/extension-id.ts';
import { CliError, type Command } from '../command.ts';
import { optionString, readInputFile } from '../files.ts';
import { auditCliChange, cliKeyStore } from '../local-state.ts';

const BITS = [2048, 3072, 4096];

export const keyCreateCommand: Command = {
  path: ['key', 'create'],
  usage: 'key create <name> [--bits N]',
  summary: 'Create a publisher key (RSA, encrypted at rest) and print its updateKey.',
  help: `Options:
  --bits  2048 (default), 3072 or 4096

The private key is stored in the keys folder (OUTPOST_KEYS, default ./keys) as encrypted PKCS#8 with the passphrase from OUTPOST_KEY_PASSPHRASE or OUTPOST_KEY_PASSPHRASE_FILE. Without either, a random passphrase is generated once into <keys>/passphrase (mode 0600). The creation is recorded in $OUTPOST_DATA/private/audit.log when that data folder exists.

Example:
  outpost key create mykey`,
  options: { bits: { type: 'string' } },
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const bits = Number(optionString(values, 'bits') ?? '2048');
    if (!BITS.includes(bits)) throw new CliError('CLI_USAGE', `--bits must be one of ${BITS.join(', ')}`);
    const { store, notice } = await cliKeyStore(ctx, 'write');
    if (notice) ctx.stderr(`${notice}\n`);
    const info = await store.create(positionals[0]!, bits);
    await auditCliChange(ctx, { action: 'key-create', target: info.name, details: { bits: info.bits } }, `created key ${info.name}`);
    ctx.stdout(`Created key ${info.name} (${info.bits}-bit RSA).\nupdateKey:\n${info.updateKey}\n`);
    return 0;
  },
};

export const keyListCommand: Command = {
  path: ['key', 'list'],
  usage: 'key list',
  summary: 'List publisher keys (name, size, origin, creation date).',
  help: 'Prints one key per line: name, bits, where it came from, when it was created.',
  positionals: [0, 0],
  async run(_args, ctx) {
    const { store } = await cliKeyStore(ctx, 'read');
    const keys = await store.list();
    if (keys.length === 0) {
      ctx.stderr('No keys yet. Create one with `outpost key create <name>` or import one with `outpost key import`.\n');
      return 0;
    }
    const width = Math.max(...keys.map((k) => k.name.length));
    for (const k of keys) ctx.stdout(`${k.name.padEnd(width)}  ${String(k.bits).padStart(4)}-bit  ${k.source.padEnd(15)}  ${k.createdAt}\n`);
    return 0;
  },
};

export const keyShowCommand: Command = {
  path: ['key', 'show'],
  usage: 'key show <name> [--chromium-id]',
  summary: 'Print a key\'s updateKey (for em:updateKey in install.rdf) or its Chromium extension id.',
  help: `Prints the base64 SubjectPublicKeyInfo on one line, nothing else, so scripts can use it:
  outpost verify update.rdf --update-key "$(outpost key show mykey)"

Options:
  --chromium-id  print instead the id (32 letters a-p) that Chromium extensions packed with this key get`,
  options: { 'chromium-id': { type: 'boolean' } },
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const { store } = await cliKeyStore(ctx, 'read');
    const info = await store.info(positionals[0]!);
    // The id is a hash of the same SPKI DER the updateKey spells in base64 (crx/extension-id.ts).
    ctx.stdout(`${values['chromium-id'] ? extensionIdOf(Buffer.from(info.updateKey, 'base64')) : info.updateKey}\n`);
    return 0;
  },
};

export const keyImportCommand: Command = {
  path: ['key', 'import'],
  usage: 'key import <name> <file> [--password P | --password-file F]',
  summary: 'Import an existing McCoy key (PKCS#12 from pk12util, or PKCS#8 PEM).',
  help: `Keeps already-installed copies of your add-on accepting updates: they trust the key that McCoy used. Export it from McCoy's profile with NSS's pk12util, then import it here:

  pk12util -o mccoy.p12 -n <key name> -d sql:<McCoy profile folder>
  outpost key import mykey mccoy.p12 --password-file p12pass.txt

Accepted files: PKCS#12 (.p12/.pfx), encrypted or plain PKCS#8 PEM, PKCS#1 PEM. 1024-bit keys (McCoy's default) are kept working, with a warning that they are weak.

Options:
  --password       the file's password (visible in the process list: prefer --password-file)
  --password-file  read the password from this file (a final newline is ignored)`,
  options: { password: { type: 'string' }, 'password-file': { type: 'string' } },
  positionals: [2, 2],
  async run({ values, positionals }, ctx) {
    let password = optionString(values, 'password');
    const passwordFile = optionString(values, 'password-file');
    if (password !== undefined && passwordFile !== undefined) throw new CliError('CLI_USAGE', 'give --password or --password-file, not both');
    if (passwordFile !== undefined) password = (await readInputFile(ctx, passwordFile, 4096)).toString('utf8').replace(/\r?\n$/, '');
    const bytes = await readInputFile(ctx, positionals[1]!, 1024 * 1024);
    const { store, notice } = await cliKeyStore(ctx, 'write');
    if (notice) ctx.stderr(`${notice}\n`);
    const { info, warnings } = await store.import(positionals[0]!, bytes, password);
    for (const w of warnings) ctx.stderr(`warning: ${w}\n`);
    await auditCliChange(ctx, { action: 'key-import', target: info.name, details: { bits: info.bits, source: info.source } }, `imported key ${info.name}`);
    ctx.stdout(`Imported key ${info.name} (${info.bits}-bit RSA, from ${info.source}).\nupdateKey:\n${info.updateKey}\n`);
    return 0;
  },
};
