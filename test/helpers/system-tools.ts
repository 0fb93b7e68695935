import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** Full path of an executable on PATH, or undefined. */
export function findTool(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * For system tests that drive a real tool (nginx, openssl, certutil, chromium ...). Returns true
 * when the tool is on PATH. When it is missing, CI must not go green: under CI=true this throws,
 * which fails the test file; elsewhere it warns loudly and returns false so the caller can skip.
 */
export function requireTool(name: string): boolean {
  if (findTool(name)) return true;
  const message = `system tool "${name}" is not installed (see shared/stack.md for the Debian package)`;
  if (process.env.CI === 'true') throw new Error(`${message}; CI needs it.`);
  console.warn(`\n!!! SKIPPING system tests: ${message}. Under CI=true they FAIL instead. !!!\n`);
  return false;
}
