import { randomBytes } from 'node:crypto';

/**
 * The body form carries the text fields in the query. Longer ones (release notes run to 64 KiB) go
 * multipart: nginx refuses request lines over 8 KiB by default, Node heads over 16 KiB.
 */
export const MAX_RAW_QUERY_CHARS = 4096;
const EMPTY = Buffer.alloc(0);

/** How `outpost publish` frames a package for POST /api/v1/packages: URL, Content-Type, and what goes before and after the file's bytes. */
export interface BodyForm {
  url: URL;
  contentType: string;
  head: Buffer;
  tail: Buffer;
}

/**
 * The body form: the file's own bytes with Content-Type application/octet-stream, its name and the
 * text fields in the query, so the server has no multipart to parse. Undefined when the fields are
 * too long for a query.
 */
export function rawBodyForm(endpoint: URL, fileName: string, fields: Readonly<Record<string, string>>): BodyForm | undefined {
  const url = new URL(endpoint.href);
  url.search = new URLSearchParams({ ...fields, name: fileName }).toString();
  if (url.search.length > MAX_RAW_QUERY_CHARS) return undefined;
  return { url, contentType: 'application/octet-stream', head: EMPTY, tail: EMPTY };
}

export function multipartForm(endpoint: URL, fileName: string, fields: Readonly<Record<string, string>>): BodyForm {
  const boundary = `----outpost-${randomBytes(16).toString('hex')}`;
  return { url: endpoint, contentType: `multipart/form-data; boundary=${boundary}`, ...multipartFrame(boundary, fileName, fields) };
}

/** RFC 7578 framing. Unusual file names also get RFC 5987 `filename*`, which busboy (multer) decodes as UTF-8. */
export function multipartFrame(boundary: string, fileName: string, fields: Readonly<Record<string, string>>): { head: Buffer; tail: Buffer } {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${name.replace(/["\r\n\\]/g, '_')}"\r\n\r\n${value}\r\n`);
  }
  const type = fileName.toLowerCase().endsWith('.xpi') ? 'application/x-xpinstall' : 'application/octet-stream';
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="package"; ${fileNameParams(fileName)}\r\nContent-Type: ${type}\r\n\r\n`);
  return { head: Buffer.from(parts.join(''), 'utf8'), tail: Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8') };
}

function fileNameParams(name: string): string {
  if (/^[\x20-\x7e]*$/.test(name) && !/["\\]/.test(name)) return `filename="${name}"`;
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
