import type { AuditLog } from '../audit-log.ts';
import type { ObjectStore } from '../objects/object-store.ts';
import { FolderAuditLog } from './folder-audit-log.ts';
import { ObjectAuditLog } from './object-audit-log.ts';

/**
 * A folder deployment keeps appending to private/audit.log (`file`), as it always has; a bucket
 * has no append, so it gets one object per entry.
 */
export function openAuditLog(where: { file: string } | { objects: ObjectStore }, now?: () => Date): AuditLog {
  return 'file' in where ? new FolderAuditLog(where.file, now) : new ObjectAuditLog(where.objects, now);
}
