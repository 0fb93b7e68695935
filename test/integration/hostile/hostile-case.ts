/**
 * One hostile input and what the server must answer. Every case is sent to a real server whose
 * data folder, keys, a victim publisher's add-on and canary files beside and above the data folder
 * are snapshotted before and compared after: a refusal must change nothing anywhere.
 */
import { request } from 'node:http';

export interface HostileTarget {
  url: string;
  /** Token of the attacking publisher (the first-run token). */
  token: string;
  /** The other publisher's add-on the attacker tries to reach. */
  victimId: string;
  victimVersion: string;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface HostileCase {
  category: string;
  name: string;
  send(target: HostileTarget): Promise<RawAnswer>;
  /** Expected status (or any of several, for routes where 400 and 404 are both honest). */
  status: number | readonly number[];
  /** Expected `error.code` of a JSON answer. */
  code?: string;
  /** What else a successful answer must hold (a well-formed document): a complaint, or undefined. */
  check?(answer: RawAnswer): string | undefined;
}

/**
 * Sends bytes exactly as given: the path is not normalised (so `..` and `%2e%2e` reach the
 * server as written) and the body may be any malformed multipart.
 */
export function rawRequest(
  baseUrl: string,
  rawPath: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<RawAnswer> {
  const base = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: base.hostname, port: base.port, method: options.method ?? 'GET', path: rawPath, headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const BOUNDARY = 'hostile-boundary-7d3f';

/** A multipart body with one `package` file part (name and extra parts as given). */
export function multipartBody(file: Buffer | undefined, options: { fileName?: string; field?: string; fields?: Record<string, string> } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(options.fields ?? {})) {
    parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${options.field ?? 'package'}"; filename="${options.fileName ?? 'addon.xpi'}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
    parts.push(file, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}

export const MULTIPART_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/** POSTs a package through the API as the attacker. */
export function upload(target: HostileTarget, file: Buffer, options: { fileName?: string; fields?: Record<string, string> } = {}): Promise<RawAnswer> {
  return rawRequest(target.url, '/api/v1/packages', {
    method: 'POST',
    headers: { authorization: `Bearer ${target.token}`, 'content-type': MULTIPART_TYPE },
    body: multipartBody(file, options),
  });
}

/** A case that uploads one package and expects a 400 with `code`. */
export function packageCase(category: string, name: string, code: string, build: () => Buffer | Promise<Buffer>, fileName?: string, status = 400): HostileCase {
  return {
    category,
    name,
    status,
    code,
    send: async (target) => upload(target, await build(), { fileName }),
  };
}
