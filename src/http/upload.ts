import { rm } from 'node:fs/promises';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer, { MulterError, type StorageEngine } from 'multer';
import type { StagedUpload } from '../app/publish-pipeline.ts';
import { stageStream } from '../storage/staged-file.ts';
import { StagingWriteError } from '../storage/staging-worker.ts';
import { ApiError, uploadTooLarge } from './api-error.ts';

/**
 * multer storage that streams the upload into the private tmp folder while a worker hashes it
 * (stageStream), so the package is never buffered whole and its sha256 costs the event loop nothing.
 */
class HashingTmpStorage implements StorageEngine {
  constructor(private readonly dir: string) {}

  _handleFile(req: Request, file: Express.Multer.File, cb: (error?: unknown, info?: Partial<Express.Multer.File>) => void): void {
    // busboy enforces the size limit (it cuts the part off and multer reports LIMIT_FILE_SIZE).
    const staged = stageStream(file.stream, this.dir).then(
      ({ path, size, sha256 }) => cb(null, { path, size, ...({ sha256 } as object) }),
      (err: unknown) => cb(err),
    );
    // multer may report a broken body before this file's stream has failed and been removed;
    // the middleware waits for it so a refusal never leaves a temp file behind its answer.
    stagingOf(req).push(staged.catch(() => undefined));
  }

  _removeFile(_req: Request, file: Express.Multer.File, cb: (error: Error | null) => void): void {
    rm(file.path, { force: true }).then(() => cb(null), cb);
  }
}

const STAGING = Symbol('staging');
type WithStaging = Request & { [STAGING]?: Promise<unknown>[] };

function stagingOf(req: Request): Promise<unknown>[] {
  return ((req as WithStaging)[STAGING] ??= []);
}

export interface UploadOptions {
  tmpDir: string;
  maxBytes: number;
}

declare module 'express-serve-static-core' {
  interface Request {
    staged?: StagedUpload;
  }
}

/** Accepts exactly one file field `package` plus a few small text fields. */
export function packageUpload({ tmpDir, maxBytes }: UploadOptions): RequestHandler {
  const parse = multer({
    storage: new HashingTmpStorage(tmpDir),
    // Browsers and curl send UTF-8 file names raw; busboy's default would read them as latin1.
    defParamCharset: 'utf8',
    // Small text fields only: updateInfoURL, a key name, release notes in a few locales.
    limits: { fileSize: maxBytes, files: 1, fields: 32, parts: 33, fieldSize: 64 * 1024, fieldNameSize: 100, headerPairs: 50 },
  }).single('package');

  return (req: Request, res: Response, next: NextFunction) => {
    parse(req, res, async (err: unknown) => {
      if (err) await Promise.all(stagingOf(req));
      const file = req.file as (Express.Multer.File & { sha256?: string }) | undefined;
      // Whatever happens later, the temp file is gone once the response is sent (after a
      // successful publish it has already been moved into place).
      if (file?.path) res.on('close', () => void rm(file.path, { force: true }));
      if (err) return void (file?.path ? rm(file.path, { force: true }) : Promise.resolve()).finally(() => next(uploadError(err, maxBytes)));
      if (!file) return next(new ApiError('PACKAGE_MISSING', 'Send the package as the multipart field "package".'));
      req.staged = { path: file.path, size: file.size, sha256: file.sha256!, originalName: file.originalname };
      next();
    });
  };
}

/**
 * Removes a staged upload now, before the answer is sent: a client that is told "refused" and then
 * looks must find the data folder as it was. (After a publish the file has been moved; no-op.)
 */
export async function discardStaged(req: Request): Promise<void> {
  if (req.staged) await rm(req.staged.path, { force: true });
}

function uploadError(err: unknown, maxBytes: number): unknown {
  if (err instanceof MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE') return uploadTooLarge(maxBytes);
    if (err.code === 'LIMIT_UNEXPECTED_FILE') {
      return new ApiError('UPLOAD_INVALID', `Unexpected file field "${err.field ?? ''}": send one file, as the field "package".`);
    }
    return new ApiError('UPLOAD_INVALID', `The upload was refused: ${err.message}.`);
  }
  // A file-system failure while staging is ours (500); busboy's parse errors ("Unexpected end of
  // form", malformed headers) are the client's.
  if ((err as NodeJS.ErrnoException)?.syscall || err instanceof StagingWriteError) return err;
  return new ApiError('UPLOAD_INVALID', `The multipart body could not be read: ${(err as Error)?.message ?? 'unknown error'}.`, { cause: err });
}
