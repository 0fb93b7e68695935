import { writeFileAtomic } from '../../storage/atomic-write.ts';
import { listAddonRoots, findAddonRoot } from '../../manifest/addon-roots.ts';
import { signAddonResources } from '../../manifest/update-rdf-sign.ts';
import { parseRdfXmlDocument } from '../../rdf/rdf-xml-parser.ts';
import { writeRdfXml } from '../../rdf/rdf-xml-writer.ts';
import type { SignatureDigest } from '../../signing/signer.ts';
import { CliError, type Command } from '../command.ts';
import { optionString, readInputFile, resolvePath } from '../files.ts';
import { cliKeyStore } from '../local-state.ts';

export const signCommand: Command = {
  path: ['sign'],
  usage: 'sign <update.rdf> --key <name> [--id ID] [-o out]',
  summary: 'Sign an update manifest like McCoy\'s "Sign Update Manifest" (works on any update.rdf).',
  help: `Every add-on in the file is signed with the key (McCoy does the same) unless --id picks one. The manifest is rewritten from its RDF graph; clients verify the graph, not the formatting.

Options:
  --key, -k     publisher key name (see \`outpost key list\`)
  --id          sign only this add-on
  --out, -o     write here instead of replacing the input file
  --digest      sha512 (default, as McCoy) or sha256
  --base-url    the URL the manifest will be served from (needed only if it uses relative URIs)

Example:
  outpost sign update.rdf --key mykey
  outpost verify update.rdf --update-key "$(outpost key show mykey)"`,
  options: {
    key: { type: 'string', short: 'k' },
    id: { type: 'string' },
    out: { type: 'string', short: 'o' },
    digest: { type: 'string' },
    'base-url': { type: 'string' },
  },
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const keyName = optionString(values, 'key');
    if (!keyName) throw new CliError('CLI_USAGE', '--key <name> is required');
    const digest = optionString(values, 'digest') ?? 'sha512';
    if (digest !== 'sha512' && digest !== 'sha256') throw new CliError('CLI_USAGE', '--digest must be sha512 or sha256');
    const input = positionals[0]!;
    const { graph, unresolvedUris } = parseRdfXmlDocument(await readInputFile(ctx, input), { baseUrl: optionString(values, 'base-url') });
    if (unresolvedUris.length > 0) {
      throw new CliError('CLI_USAGE', `the manifest uses relative URIs (${unresolvedUris[0]}); clients resolve them against the manifest URL, so pass --base-url`);
    }
    const id = optionString(values, 'id');
    let roots: string[];
    if (id !== undefined) {
      const root = findAddonRoot(graph, id);
      if (!root) throw new CliError('CLI_USAGE', `${input} says nothing about ${id}`);
      roots = [root];
    } else {
      roots = listAddonRoots(graph).map((r) => r.uri);
      if (roots.length === 0) throw new CliError('CLI_USAGE', `${input} describes no add-on (no urn:mozilla:extension:… resource)`);
    }
    const { store } = await cliKeyStore(ctx, 'sign');
    const signer = await store.signer(keyName);
    signAddonResources(graph, roots, signer, digest as SignatureDigest);
    const out = resolvePath(ctx, optionString(values, 'out') ?? input);
    await writeFileAtomic(out, writeRdfXml(graph, roots), { mode: 0o644 });
    ctx.stdout(`Signed ${roots.length} add-on${roots.length === 1 ? '' : 's'} with ${keyName} (${signer.bits}-bit RSA, ${digest}) → ${out}\n`);
    return 0;
  },
};
