import { OutpostError } from '../errors.ts';

export type RdfErrorCode =
  | 'RDF_DOCTYPE_FORBIDDEN'
  | 'RDF_MALFORMED'
  | 'RDF_INVALID_CHARACTER' // a character XML 1.0 forbids (raw or as a reference), or a second BOM
  | 'RDF_TOO_COMPLEX' // over the size, depth, element or attribute limits
  | 'RDF_NOT_RDF'
  | 'RDF_MULTIPLE_REFERENCES'
  | 'RDF_UNSERIALIZABLE'
  | 'RDF_UNWRITABLE';

export class RdfError extends OutpostError<RdfErrorCode> {}
