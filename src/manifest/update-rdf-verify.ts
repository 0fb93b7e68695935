import { parseRdfXmlDocument, type RdfParseOptions } from '../rdf/rdf-xml-parser.ts';
import { signedBytes, signedText } from '../rdf/signed-text.ts';
import { isOutpostError } from '../errors.ts';
import { verifyBytes, type VerifyFailure } from '../signing/mccoy-signature.ts';
import { findAddonRoot, listAddonRoots } from './addon-roots.ts';
import { EM_SIGNATURE } from './update-rdf-sign.ts';

export type AddonVerdictFailure = VerifyFailure | 'not-found' | 'no-signature' | 'unserializable';

export type AddonVerdict =
  | { id: string; resource: string; ok: true; algorithm: string }
  | { id: string; resource: string | undefined; ok: false; reason: AddonVerdictFailure; detail: string };

export interface VerifyUpdateRdfOptions extends RdfParseOptions {
  /** Check only this add-on (a client checks only its own); default: every add-on in the file. */
  id?: string;
}

/** Checks update.rdf signatures exactly as a legacy client does: parse, rebuild text, verify. */
export function verifyUpdateRdf(xml: string | Buffer, updateKey: string, options: VerifyUpdateRdfOptions = {}): AddonVerdict[] {
  const { graph } = parseRdfXmlDocument(xml, options);
  const targets = options.id !== undefined
    ? [{ id: options.id, uri: findAddonRoot(graph, options.id) }]
    : listAddonRoots(graph).map(({ id, uri }) => ({ id, uri: uri as string | undefined }));
  return targets.map(({ id, uri }): AddonVerdict => {
    if (!uri) return { id, resource: uri, ok: false, reason: 'not-found', detail: `The manifest says nothing about ${id}.` };
    const signature = graph.literal(uri, EM_SIGNATURE);
    if (!signature) return { id, resource: uri, ok: false, reason: 'no-signature', detail: 'The add-on has no em:signature.' };
    let text: string;
    try {
      text = signedText(graph, uri);
    } catch (err) {
      if (!isOutpostError(err)) throw err;
      return { id, resource: uri, ok: false, reason: 'unserializable', detail: err.message };
    }
    const result = verifyBytes(signedBytes(text), signature, updateKey);
    return result.ok ? { id, resource: uri, ok: true, algorithm: result.algorithm } : { id, resource: uri, ...result };
  });
}
