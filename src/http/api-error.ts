import { OutpostError } from '../errors.ts';

export type ApiErrorCode =
  | 'NOT_FOUND'
  | 'AUTH_REQUIRED'
  | 'AUTH_INVALID'
  | 'PACKAGE_MISSING'
  | 'UPLOAD_TOO_LARGE'
  | 'UPLOAD_INVALID'
  | 'UPLOAD_NAME_INVALID'
  | 'INTERNAL';

/** Errors that only exist at the HTTP edge (routing, authentication, multipart parsing). */
export class ApiError extends OutpostError<ApiErrorCode> {}

export function uploadTooLarge(maxBytes: number): ApiError {
  return new ApiError('UPLOAD_TOO_LARGE', `The package is larger than this server accepts (${Math.floor(maxBytes / 1048576)} MiB).`);
}
