import { EM_NS, RDF_NS } from '../rdf/graph.ts';
import { INSTALL_MANIFEST, parseInstallRdf } from './install-rdf.ts';
import { PackageError } from './package-errors.ts';
import { checkUpdateUrl } from './update-url.ts';
import { attributeNamespace, scanXml, walk, type ScannedElement } from './xml-scan.ts';

export { rewriteXpiInstallRdf } from './rewrite-xpi.ts';

/**
 * McCoy's "add key to install.rdf" step, as a text edit so the author's formatting and comments
 * survive. Within every `urn:mozilla:install-manifest` node it removes em:updateKey (and
 * em:updateURL when a new one is given), in element or attribute form under any em prefix. An
 * existing element is replaced where it stands; a new one goes before the node's closing tag,
 * with the document's em prefix, indentation and line ends. A self-closing node is expanded.
 * The result is re-parsed and must yield exactly the new values.
 */
export function addUpdateKeyToInstallRdf(text: string, updateKey: string, updateURL?: string): string {
  const key = normaliseKey(updateKey);
  if (updateURL !== undefined) checkUpdateUrl(updateURL);
  parseInstallRdf(text); // refuse to edit what we could not read afterwards

  const nodes = [...walk(scanXml(text))].filter(isInstallManifest);
  if (nodes.length === 0) {
    throw new PackageError('INSTALL_RDF_INVALID', 'install.rdf has no Description about="urn:mozilla:install-manifest".');
  }
  const values = new Map<string, string>([['updateKey', key]]);
  if (updateURL !== undefined) values.set('updateURL', updateURL);

  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const edits: Edit[] = [];
  const pending = new Map(values);
  for (const node of nodes) {
    for (const attr of node.attributes) {
      if (attributeNamespace(node, attr) === EM_NS && values.has(attr.local)) edits.push({ start: attr.start, end: attr.end, text: '' });
    }
    for (const child of node.children) {
      if (child.ns !== EM_NS || !values.has(child.local)) continue;
      const value = pending.get(child.local);
      if (value !== undefined) {
        // Replace the first occurrence where it stands, keeping the author's prefix and layout.
        const ownPrefix = node.scope.get(child.prefix ?? '') === EM_NS;
        const [qname, decl] = ownPrefix ? [child.qname, ''] : emName(node, child.local);
        edits.push({ start: child.start, end: child.end, text: element(qname, value, decl) });
        pending.delete(child.local);
      } else {
        edits.push(removeLine(text, child.start, child.end));
      }
    }
  }
  if (pending.size > 0) edits.push(insertion(text, nodes[0]!, [...pending].reverse(), nl));

  const result = applyEdits(text, edits);
  const check = parseInstallRdf(result);
  if (check.updateKey !== key || (updateURL !== undefined && check.updateURL !== updateURL)) {
    throw new PackageError('INSTALL_RDF_INVALID', 'install.rdf could not be edited safely; add the update key by hand.');
  }
  return result;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

function normaliseKey(updateKey: string): string {
  const key = updateKey.replace(/\s+/g, '');
  // A DER SubjectPublicKeyInfo always starts with a SEQUENCE tag (0x30).
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || key.length % 4 !== 0 || Buffer.from(key, 'base64')[0] !== 0x30) {
    throw new PackageError('UPDATE_KEY_INVALID', 'The update key must be the base64 of a DER public key (as McCoy exports it).');
  }
  return key;
}

function isInstallManifest(el: ScannedElement): boolean {
  return el.attributes.some((a) => {
    const ns = attributeNamespace(el, a);
    return a.local === 'about' && (ns === '' || ns === RDF_NS) && a.value === INSTALL_MANIFEST;
  });
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function element(qname: string, value: string, nsDecl = ''): string {
  return `<${qname}${nsDecl}>${escapeXml(value)}</${qname}>`;
}

function lineStart(text: string, index: number): number {
  return text.lastIndexOf('\n', index - 1) + 1;
}

/** Whitespace before `index` on its line, or undefined when other text precedes it. */
function indentBefore(text: string, index: number): string | undefined {
  const before = text.slice(lineStart(text, index), index);
  return /^[ \t]*$/.test(before) ? before : undefined;
}

/** Removes an element, and its whole line when it stands alone on one. */
function removeLine(text: string, start: number, end: number): Edit {
  const after = /^[ \t]*(\r?\n|$)/.exec(text.slice(end));
  if (indentBefore(text, start) !== undefined && after) {
    return { start: lineStart(text, start), end: end + after[0].length, text: '' };
  }
  return { start, end, text: '' };
}

/** The qualified name for a new em: child, and a namespace declaration if em is not in scope. */
function emName(node: ScannedElement, local: string): [string, string] {
  const used = node.children.find((c) => c.ns === EM_NS && node.scope.get(c.prefix ?? '') === EM_NS);
  if (used) return [used.prefix ? `${used.prefix}:${local}` : local, ''];
  for (const [prefix, ns] of node.scope) if (ns === EM_NS) return [prefix ? `${prefix}:${local}` : local, ''];
  let prefix = 'em';
  while (node.scope.has(prefix)) prefix += '_';
  return [`${prefix}:${local}`, ` xmlns:${prefix}="${EM_NS}"`];
}

function insertion(text: string, node: ScannedElement, values: [string, string][], nl: string): Edit {
  const nodeIndent = indentBefore(text, node.start) ?? '';
  const firstChild = node.children[0];
  const unit = nodeIndent.includes('\t') ? '\t' : nodeIndent || '  ';
  const childIndent = (firstChild && indentBefore(text, firstChild.start)) ?? nodeIndent + unit;
  const lines = values.map(([local, value]) => {
    const [qname, decl] = emName(node, local);
    return childIndent + element(qname, value, decl);
  });
  if (node.selfClosing) {
    const slash = node.startTagEnd - 2; // the "/>" that ends the tag
    const body = nl + lines.join(nl) + nl + nodeIndent;
    return { start: slash, end: node.startTagEnd, text: `>${body}</${node.qname}>` };
  }
  if (indentBefore(text, node.endTagStart) !== undefined && text.slice(node.startTagEnd, node.endTagStart).includes('\n')) {
    const at = lineStart(text, node.endTagStart);
    return { start: at, end: at, text: lines.map((l) => l + nl).join('') };
  }
  return { start: node.endTagStart, end: node.endTagStart, text: nl + lines.join(nl) + nl + nodeIndent };
}

function applyEdits(text: string, edits: Edit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let limit = Infinity;
  for (const edit of sorted) {
    // Edits never overlap by construction; refuse rather than corrupt the file if one ever did.
    if (edit.end > limit) throw new PackageError('INSTALL_RDF_INVALID', 'install.rdf could not be edited safely.');
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
    limit = edit.start;
  }
  return out;
}
