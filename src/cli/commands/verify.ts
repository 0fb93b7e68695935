import { verifyUpdateRdf } from '../../manifest/update-rdf-verify.ts';
import { addonIdentity } from '../addon-source.ts';
import { CliError, type Command } from '../command.ts';
import { fetchDocument, looksLikeUrl, MAX_DOCUMENT_BYTES } from '../fetch-document.ts';
import { optionString, readInputFile } from '../files.ts';

export const verifyCommand: Command = {
  path: ['verify'],
  usage: 'verify <update.rdf|URL> (--update-key K | --install F) [--id ID]',
  summary: 'Check update.rdf signatures the way Firefox, Thunderbird, SeaMonkey and Pale Moon do.',
  help: `The manifest is parsed into an RDF graph and the signed text rebuilt from it, exactly as a legacy client does, so formatting changes do not matter but any edited value does. The manifest may be a file or an http:// or https:// URL (redirects are followed; at most ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB, 30 seconds); other URL schemes are refused.

Options:
  --update-key, -k  the em:updateKey (base64 SubjectPublicKeyInfo; whitespace is ignored)
  --install, -i     take the updateKey (and the add-on id) from this install.rdf or XPI
  --id              check only this add-on (default: the --install add-on, else every add-on)
  --base-url        the URL the manifest is served from (only for manifests with relative URIs; a fetched manifest's own URL is the default)

Prints one line per add-on: "OK <id> (<algorithm>)" or "FAIL <id>: <reason>".
Exit status 0 when every checked add-on verifies, 1 otherwise.

Example:
  outpost verify update.rdf --install install.rdf
  outpost verify --install install.rdf \\
      https://updates.example.org/updates/myaddon@example.org/update.rdf`,
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
    const source = positionals[0]!;
    let baseUrl = optionString(values, 'base-url');
    let xml: Buffer;
    if (looksLikeUrl(source)) {
      const fetched = await fetchDocument(source);
      xml = fetched.bytes;
      baseUrl ??= fetched.url;
    } else {
      xml = await readInputFile(ctx, source);
    }
    const verdicts = verifyUpdateRdf(xml, updateKey!, { id, baseUrl });
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
