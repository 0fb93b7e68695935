import http from 'node:http';
import https from 'node:https';
import { OutpostError } from '../errors.ts';
import type { ServerAnswer } from './server-answer.ts';
import { apiEndpoint, connectionError, parseJson, readAnswer, UploadError } from './upload-client.ts';

export type ApiRequestErrorCode = 'API_UNREACHABLE' | 'API_TLS_FAILED' | 'API_TIMEOUT';

/** No answer at all from the server (the API counterpart of UploadError). */
export class ApiRequestError extends OutpostError<ApiRequestErrorCode> {}

export interface ApiRequest {
  server: URL;
  token: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Below the server's base address, e.g. `api/v1/addons/<id>`. */
  path: string;
  /** Give up when the connection is idle this long (default 60 s: a withdrawal re-signs manifests). */
  idleTimeoutMs?: number;
}

function asApiError(err: UploadError): ApiRequestError {
  const code: ApiRequestErrorCode = err.code === 'UPLOAD_TLS_FAILED' ? 'API_TLS_FAILED' : err.code === 'UPLOAD_TIMEOUT' ? 'API_TIMEOUT' : 'API_UNREACHABLE';
  return new ApiRequestError(code, err.message, { cause: err.cause ?? err });
}

/** One bodiless API call. Any HTTP answer resolves (the caller judges it); redirects are not followed. */
export function apiRequest(req: ApiRequest): Promise<ServerAnswer & { endpoint: URL }> {
  const endpoint = apiEndpoint(req.server, req.path);
  const transport = endpoint.protocol === 'https:' ? https : http;
  const idle = req.idleTimeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const request = transport.request(endpoint, {
      method: req.method,
      agent: false,
      headers: { Authorization: `Bearer ${req.token}`, Accept: 'application/json' },
    });
    request.setTimeout(idle, () => {
      request.destroy(new UploadError('UPLOAD_TIMEOUT', `${endpoint.host} stopped answering; nothing moved for ${Math.round(idle / 1000)} s`));
    });
    request.on('error', (err) => reject(asApiError(connectionError(err, endpoint))));
    request.on('response', (res) => {
      void readAnswer(res).then((rawBody) => {
        request.destroy();
        resolve({ status: res.statusCode ?? 0, body: parseJson(rawBody), rawBody, headers: res.headers, endpoint });
      });
    });
    request.end();
  });
}
