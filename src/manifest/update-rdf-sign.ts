import { EM_NS, type RdfGraph } from '../rdf/graph.ts';
import { signedBytes, signedText } from '../rdf/signed-text.ts';
import { signBytes } from '../signing/mccoy-signature.ts';
import type { SignatureDigest, Signer } from '../signing/signer.ts';

export const EM_SIGNATURE = `${EM_NS}signature`;

/**
 * McCoy's "sign update manifest": replaces each add-on's em:signature with one over the text the
 * client rebuilds from the graph. Signing the graph (not the file) is what makes a signature
 * survive any re-formatting of the XML.
 */
export function signAddonResources(graph: RdfGraph, roots: readonly string[], signer: Signer, digest: SignatureDigest = 'sha512'): void {
  for (const root of roots) {
    graph.removeAll(root, EM_SIGNATURE);
    const text = signedText(graph, root);
    graph.add(root, EM_SIGNATURE, { kind: 'literal', value: signBytes(signedBytes(text), signer, digest) });
  }
}
