import type { Command } from '../command.ts';
import { adminCreateCommand, adminPasswdCommand } from './admin.ts';
import { chromiumUrlCommand } from './chromium-url.ts';
import { hashCommand } from './hash.ts';
import { inspectCommand } from './inspect.ts';
import { installKeyCommand } from './install-key.ts';
import { publishCommand } from './publish.ts';
import { rebuildCommand } from './rebuild.ts';
import { keyCreateCommand, keyImportCommand, keyListCommand, keyShowCommand } from './key.ts';
import { serveCommand } from './serve.ts';
import { signCommand } from './sign.ts';
import { storageCopyCommand } from './storage.ts';
import { tokenCreateCommand, tokenListCommand, tokenRevokeCommand } from './token.ts';
import { verifyCommand } from './verify.ts';
import { verifyIndexCommand } from './verify-index.ts';
import { restoreCommand, withdrawCommand } from './versions.ts';
import { feedCreateCommand, feedListCommand, feedRevokeCommand, feedRotateCommand, visibilityCommand } from './feed.ts';

/** Every `outpost` command, in the order `outpost --help` lists them. */
export const commands: readonly Command[] = [
  serveCommand,
  rebuildCommand,
  keyCreateCommand,
  keyListCommand,
  keyShowCommand,
  keyImportCommand,
  inspectCommand,
  hashCommand,
  signCommand,
  verifyCommand,
  verifyIndexCommand,
  installKeyCommand,
  chromiumUrlCommand,
  publishCommand,
  withdrawCommand,
  restoreCommand,
  visibilityCommand,
  feedListCommand,
  feedCreateCommand,
  feedRotateCommand,
  feedRevokeCommand,
  tokenCreateCommand,
  tokenListCommand,
  tokenRevokeCommand,
  adminCreateCommand,
  adminPasswdCommand,
  storageCopyCommand,
];
