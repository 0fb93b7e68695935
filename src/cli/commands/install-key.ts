import { addUpdateKeyToInstallRdf, rewriteXpiInstallRdf } from '../../package/install-key.ts';
import { decodeXmlText, encodeXmlText } from '../../package/xml-text.ts';
import { writeFileAtomic } from '../../storage/atomic-write.ts';
import { isZip } from '../addon-source.ts';
import { CliError, type Command } from '../command.ts';
import { optionString, readInputFile, resolvePath } from '../files.ts';
import { cliKeyStore } from '../local-state.ts';

export const installKeyCommand: Command = {
  path: ['install-key'],
  usage: 'install-key <install.rdf|xpi> --key K [--update-url URL] [-o F]',
  summary: 'Write em:updateKey (and em:updateURL) into install.rdf, like McCoy\'s "Add Key".',
  help: `Edits the install-manifest in place, keeping your formatting and comments; an existing em:updateKey / em:updateURL is replaced. Given an XPI, writes a new XPI in which only install.rdf differs.

Options:
  --key, -k     publisher key name
  --update-url  also set em:updateURL (use https, or keep the key: clients then verify signatures)
  --out, -o     write here instead of replacing the input file

Example:
  outpost install-key install.rdf --key mykey \\
      --update-url https://updates.example.org/updates/myaddon@example.org/update.rdf`,
  options: { key: { type: 'string', short: 'k' }, 'update-url': { type: 'string' }, out: { type: 'string', short: 'o' } },
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const keyName = optionString(values, 'key');
    if (!keyName) throw new CliError('CLI_USAGE', '--key <name> is required');
    const updateURL = optionString(values, 'update-url');
    if (updateURL !== undefined && !URL.canParse(updateURL)) throw new CliError('CLI_USAGE', `--update-url "${updateURL}" is not an absolute URL`);
    const input = positionals[0]!;
    const bytes = await readInputFile(ctx, input);
    const { store } = await cliKeyStore(ctx, 'read');
    const { updateKey } = await store.info(keyName);
    const edit = (text: string): string => addUpdateKeyToInstallRdf(text, updateKey, updateURL);
    let output: Buffer;
    if (isZip(bytes)) {
      output = await rewriteXpiInstallRdf(bytes, edit);
    } else {
      const decoded = decodeXmlText(bytes, input);
      output = encodeXmlText({ ...decoded, text: edit(decoded.text) });
    }
    const out = resolvePath(ctx, optionString(values, 'out') ?? input);
    await writeFileAtomic(out, output, { mode: 0o644 });
    ctx.stdout(`Wrote em:updateKey of ${keyName}${updateURL ? ` and em:updateURL ${updateURL}` : ''} → ${out}\n`);
    return 0;
  },
};
