import { isOutpostError } from '../errors.ts';
import { EM_NS, type RdfGraph } from '../rdf/graph.ts';
import { parseRdfXml } from '../rdf/rdf-xml-parser.ts';
import {
  isKnownApplication,
  validateAddonId,
  validateAddonVersion,
  validateAppRange,
  validateApplicationId,
  validateTargetPlatforms,
} from './addon-identity.ts';
import { PackageError } from './package-errors.ts';
import { decodeXmlText } from './xml-text.ts';

export const INSTALL_MANIFEST = 'urn:mozilla:install-manifest';

export type AddonType = 'extension' | 'theme' | 'other';

export interface TargetApplication {
  id: string;
  minVersion: string;
  maxVersion: string;
}

export interface InstallManifest {
  id: string;
  version: string;
  name: string | undefined;
  /** em:description and em:creator, for the public catalog (first value when repeated). */
  description: string | undefined;
  creator: string | undefined;
  /** em:iconURL when given once (repeated, clients could pick either: none is used). */
  iconURL: string | undefined;
  type: AddonType;
  /** The em:type number as written (8 = locale, 32 = multi-package, 64 = dictionary, ...). */
  typeCode: number | undefined;
  targetApplications: TargetApplication[];
  targetPlatforms: string[];
  updateURL: string | undefined;
  /** Base64 SubjectPublicKeyInfo with all whitespace removed (clients skip it too). */
  updateKey: string | undefined;
  /** Things an author should fix that do not stop the add-on from working. */
  warnings: string[];
}

function literals(graph: RdfGraph, subject: string, local: string): string[] {
  return graph
    .objects(subject, EM_NS + local)
    .flatMap((node) => (node.kind === 'literal' || node.kind === 'date' ? [node.value] : node.kind === 'int' ? [String(node.value)] : []));
}

/** A property that must not be ambiguous: two different values would make clients disagree. */
function single(graph: RdfGraph, subject: string, local: string): string | undefined {
  const values = [...new Set(literals(graph, subject, local))];
  if (values.length > 1) {
    throw new PackageError('INSTALL_RDF_INVALID', `install.rdf gives em:${local} more than once (${values.join(', ')}). Keep one.`);
  }
  return values[0];
}

function addonType(raw: string | undefined): { type: AddonType; typeCode: number | undefined } {
  if (raw === undefined) return { type: 'extension', typeCode: undefined };
  const typeCode = /^\s*\d+\s*$/.test(raw) ? Number.parseInt(raw, 10) : undefined;
  const type = typeCode === 2 ? 'extension' : typeCode === 4 ? 'theme' : 'other';
  return { type, typeCode };
}

function targetApplications(graph: RdfGraph, warnings: string[]): TargetApplication[] {
  const targets: TargetApplication[] = [];
  for (const node of graph.objects(INSTALL_MANIFEST, EM_NS + 'targetApplication')) {
    if (node.kind !== 'resource') {
      warnings.push('An em:targetApplication holds text instead of a Description; it is ignored.');
      continue;
    }
    const id = single(graph, node.uri, 'id');
    const minVersion = single(graph, node.uri, 'minVersion');
    const maxVersion = single(graph, node.uri, 'maxVersion');
    // Like the add-on manager, skip incomplete entries rather than refuse the add-on.
    if (!id || !minVersion || !maxVersion) {
      warnings.push(`A targetApplication${id ? ` (${id})` : ''} lacks em:id, em:minVersion or em:maxVersion; clients ignore it.`);
      continue;
    }
    validateApplicationId(id);
    validateAppRange(minVersion, maxVersion, id);
    if (!isKnownApplication(id)) {
      warnings.push(`The targetApplication ${id} is not an application Outpost knows: it is listed in update.rdf and answered by the adaptive URL, but gets no documents of its own.`);
    }
    if (targets.some((t) => t.id === id)) {
      throw new PackageError('INSTALL_RDF_INVALID', `install.rdf names the targetApplication ${id} twice. Keep one range per application.`);
    }
    targets.push({ id, minVersion, maxVersion });
  }
  if (targets.length === 0) warnings.push('install.rdf names no usable targetApplication, so no application will install it.');
  return targets;
}

/**
 * Reads install.rdf the way the legacy add-on manager does: through the RDF graph (so attribute
 * and element forms and any em prefix are equivalent), from `urn:mozilla:install-manifest`.
 * XML and RDF errors (including RDF_DOCTYPE_FORBIDDEN) are wrapped as INSTALL_RDF_INVALID with the
 * original error as `cause`, so every failure of a package upload is a PackageError.
 */
export function parseInstallRdf(bytes: Buffer | string): InstallManifest {
  const text = typeof bytes === 'string' ? bytes : decodeXmlText(bytes).text;
  let graph: RdfGraph;
  try {
    graph = parseRdfXml(text);
  } catch (err) {
    if (err instanceof PackageError) throw err;
    // Characters and size limits are the same rule for every XML document; keep their codes.
    if (isOutpostError(err) && err.code === 'RDF_INVALID_CHARACTER') throw new PackageError('XML_INVALID_CHARACTER', `install.rdf: ${err.message}`, { cause: err });
    if (isOutpostError(err) && err.code === 'RDF_TOO_COMPLEX') throw new PackageError('XML_TOO_COMPLEX', `install.rdf: ${err.message}`, { cause: err });
    const detail = isOutpostError(err) ? `: ${err.message}` : '';
    throw new PackageError('INSTALL_RDF_INVALID', `install.rdf could not be read${detail}`, { cause: err });
  }

  const rawId = single(graph, INSTALL_MANIFEST, 'id');
  if (!rawId) throw new PackageError('INSTALL_RDF_NO_ID', 'install.rdf has no em:id. Add the add-on id (name@example.org or a {GUID}).');
  const rawVersion = single(graph, INSTALL_MANIFEST, 'version');
  if (!rawVersion) throw new PackageError('INSTALL_RDF_NO_VERSION', 'install.rdf has no em:version. Add one, e.g. 1.0.');
  const id = validateAddonId(rawId);
  const version = validateAddonVersion(rawVersion);

  const warnings: string[] = [];
  const rawKey = single(graph, INSTALL_MANIFEST, 'updateKey');
  const updateKey = rawKey?.replace(/\s+/g, '') || undefined;
  if (updateKey && !/^[A-Za-z0-9+/]+={0,2}$/.test(updateKey)) {
    warnings.push('em:updateKey is not base64; clients will not be able to check signed updates.');
  }
  return {
    id,
    version,
    name: literals(graph, INSTALL_MANIFEST, 'name')[0],
    description: literals(graph, INSTALL_MANIFEST, 'description')[0],
    creator: literals(graph, INSTALL_MANIFEST, 'creator')[0],
    iconURL: onlyOne(literals(graph, INSTALL_MANIFEST, 'iconURL')),
    ...addonType(single(graph, INSTALL_MANIFEST, 'type')),
    targetApplications: targetApplications(graph, warnings),
    targetPlatforms: validateTargetPlatforms(literals(graph, INSTALL_MANIFEST, 'targetPlatform')),
    updateURL: single(graph, INSTALL_MANIFEST, 'updateURL') || undefined,
    updateKey,
    warnings,
  };
}

function onlyOne(values: string[]): string | undefined {
  return values.length === 1 ? values[0] : undefined;
}
