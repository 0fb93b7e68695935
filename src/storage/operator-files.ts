import { readFile } from 'node:fs/promises';

/**
 * Files the operator names in the configuration (Jami trust anchors, CRLs): on the server's own
 * disk whatever backend holds the deployment, and read as given.
 */
export function readOperatorFile(file: string): Promise<Buffer> {
  return readFile(file);
}

export function readOperatorFiles(files: readonly string[]): Promise<Buffer[]> {
  return Promise.all(files.map(readOperatorFile));
}
