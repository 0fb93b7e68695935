import { verifyUpdateRdf } from '../../manifest/update-rdf-verify.ts';
import { addonIdentity } from '../addon-source.ts';
import { CliError, type Command } from '../command.ts';
import { optionString, readInputFile } from '../files.ts';

export const verifyCommand: Command = {
  path: ['verify'],
  usage: 'verify <update.rdf> (--update-key B64 | --install <install.rdf|file.xpi>) [--id ID]',
  summary: 'Check update.rdf signatures the way Firefox, Thunderbird, SeaMonkey and Pale Moon do.',
  help: `The manifest is parsed into an RDF graph and the signed text rebuilt from it, exactly as a
legacy client does, so formatting changes do not matter but any edited value does.

Options:
  --update-key, -k  the em:updateKey (base64 SubjectPublicKeyInfo; whitespace is ignored)
  --install, -i     take the updateKey (and the add-on id) from this install.rdf or XPI
  --id              check only this add-on (default: the --install add-on, else every add-on)
  --base-url        the URL the manifest is served from (only for manifests with relative URIs)

Prints one line per add-on: "OK <id> (<algorithm>)" or "FAIL <id>: <reason>".
Exit status 0 when every checked add-on verifies, 1 otherwise.

Example:
  outpost verify update.rdf --install install.rdf`,
  options: {
    'update-key': { type: 'string', short: 'k' },
    install: { type: 'string', short: 'i' },
    id: { type: 'string' },
    'base-url': { type: 'string' },
  },
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const keyOption = optionString(values, 'update-key');
    const installFile = optionString(values, 'install');
    if ((keyOption === undefined) === (installFile === undefined)) {
      throw new CliError('CLI_USAGE', 'give exactly one of --update-key and --install');
    }
    let updateKey = keyOption;
    let id = optionString(values, 'id');
    if (installFile !== undefined) {
      const identity = await addonIdentity(await readInputFile(ctx, installFile));
      if (!identity.updateKey) throw new CliError('CLI_USAGE', `${installFile} has no em:updateKey, so clients do not check signatures for ${identity.id}`);
      updateKey = identity.updateKey;
      id ??= identity.id;
    }
    const xml = await readInputFile(ctx, positionals[0]!);
    const verdicts = verifyUpdateRdf(xml, updateKey!, { id, baseUrl: optionString(values, 'base-url') });
    if (verdicts.length === 0) {
      ctx.stderr(`outpost verify: ${positionals[0]} describes no add-on (no urn:mozilla:extension:… resource).\n`);
      return 1;
    }
    for (const v of verdicts) {
      ctx.stdout(v.ok ? `OK   ${v.id} (${v.algorithm})\n` : `FAIL ${v.id}: ${v.detail}\n`);
    }
    return verdicts.every((v) => v.ok) ? 0 : 1;
  },
};
