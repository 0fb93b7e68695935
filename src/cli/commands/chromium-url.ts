import { stat } from 'node:fs/promises';
import path from 'node:path';
import { CrxError } from '../../crx/crx-errors.ts';
import { extensionIdOf } from '../../crx/extension-id.ts';
import { setManifestUpdateUrl } from '../../crx/manifest-update-url.ts';
import { MANIFEST } from '../../limits.ts';
import { checkUpdateUrl } from '../../package/update-url.ts';
import { rewriteZipEntry } from '../../package/rewrite-zip.ts';
import { writeFileAtomic } from '../../storage/atomic-write.ts';
import { isZip } from '../addon-source.ts';
import { CliError, type CliContext, type Command } from '../command.ts';
import { optionString, readInputFile, resolvePath } from '../files.ts';
import { cliKeyStore } from '../local-state.ts';

/** What to edit: a manifest.json file (a folder's, or named directly) or a ZIP, and where it goes. */
interface Target {
  kind: 'manifest' | 'zip';
  bytes: Buffer;
  out: string;
  mode: number;
}

async function resolveTarget(ctx: CliContext, input: string, out: string | undefined): Promise<Target> {
  const info = await stat(resolvePath(ctx, input)).catch(() => undefined);
  if (info?.isDirectory()) {
    // Writing the folder elsewhere would mean choosing which files to zip (hidden ones? links?).
    if (out !== undefined) throw new CliError('CLI_USAGE', `-o takes a ZIP or manifest.json; ${input} is a folder, whose manifest.json is edited in place`);
    return manifestTarget(ctx, path.join(input, 'manifest.json'), undefined);
  }
  if (path.basename(input) === 'manifest.json') return manifestTarget(ctx, input, out);
  const bytes = await readInputFile(ctx, input);
  if (!isZip(bytes)) {
    const crx = bytes.subarray(0, 4).toString('latin1') === 'Cr24';
    throw new CliError('CLI_USAGE', crx
      ? `${input} is a signed CRX, which cannot change without breaking its signature; edit the folder or ZIP it was packed from`
      : `${input} is neither a folder, a ZIP nor a manifest.json`);
  }
  return { kind: 'zip', bytes, out: resolvePath(ctx, out ?? input), mode: 0o644 };
}

async function manifestTarget(ctx: CliContext, file: string, out: string | undefined): Promise<Target> {
  const bytes = await readInputFile(ctx, file, MANIFEST.maxBytes);
  // An edit in place keeps the file's permissions; a new file gets the usual ones.
  const mode = out === undefined ? (await stat(resolvePath(ctx, file))).mode & 0o777 : 0o644;
  return { kind: 'manifest', bytes, out: resolvePath(ctx, out ?? file), mode };
}

export const chromiumUrlCommand: Command = {
  path: ['chromium-url'],
  usage: 'chromium-url <folder|zip> --update-url URL [--key K] [-o F]',
  summary: 'Write update_url (and key) into a Chromium extension\'s manifest.json before upload.',
  help: `Sets "update_url" in manifest.json as a text edit, keeping your formatting, comment lines and any byte-order mark; an existing update_url is replaced. Given a folder (or its manifest.json), edits manifest.json in place. Given a ZIP, writes a new ZIP in which only manifest.json differs (replacing the input unless -o names another file). A signed .crx cannot be edited: edit what it was packed from.

Options:
  --update-url  where Chromium checks for updates: https://<server>/chromium/updates.xml
  --key, -k     also write "key": this publisher key, so an unpacked install gets the id the packed extension has
  --out, -o     for a ZIP or manifest.json: write here instead of replacing the input

Example:
  outpost chromium-url my-extension/ --key mykey \\
      --update-url https://updates.example.org/chromium/updates.xml`,
  options: { 'update-url': { type: 'string' }, key: { type: 'string', short: 'k' }, out: { type: 'string', short: 'o' } },
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const updateUrl = optionString(values, 'update-url');
    if (updateUrl === undefined) throw new CliError('CLI_USAGE', '--update-url <URL> is required');
    checkUpdateUrl(updateUrl); // before any key store or file is opened
    const keyName = optionString(values, 'key');
    let keySpki: Buffer | undefined;
    if (keyName !== undefined) {
      const { store } = await cliKeyStore(ctx, 'read');
      // updateKey is base64 SPKI DER, exactly what Chromium's "key" holds.
      keySpki = Buffer.from((await store.info(keyName)).updateKey, 'base64');
    }
    const target = await resolveTarget(ctx, positionals[0]!, optionString(values, 'out'));
    const edit = (manifest: Buffer): Buffer => setManifestUpdateUrl(manifest, { updateUrl, keySpki });
    const output = target.kind === 'zip'
      ? await rewriteZipEntry(target.bytes, {
          name: 'manifest.json',
          missing: () => new CrxError('CRX_MANIFEST_INVALID', 'This ZIP has no manifest.json at its top level; zip the extension folder\'s contents, not the folder.'),
          transform: edit,
          maxBytes: MANIFEST.maxBytes,
        })
      : edit(target.bytes);
    await writeFileAtomic(target.out, output, { mode: target.mode });
    const key = keySpki ? ` and key of ${keyName} (id ${extensionIdOf(keySpki)})` : '';
    ctx.stdout(`Wrote update_url ${updateUrl}${key} → ${target.out}\n`);
    return 0;
  },
};
