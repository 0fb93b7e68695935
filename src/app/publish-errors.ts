import { OutpostError } from '../errors.ts';

/**
 * What a publish, withdraw or range edit can refuse, whatever the package kind. The kinds' own
 * format errors (XpiError, JamiError, CrxError, VpnError) say what is wrong with the bytes; these
 * say what is wrong with the change.
 */
export type PublishErrorCode =
  | 'ADDON_OWNED_BY_OTHER_KEY'
  | 'ADDON_ID_CASE_CONFLICT'
  | 'VERSION_EXISTS'
  | 'VERSION_WITHDRAWN'
  | 'UPDATE_KEY_MISMATCH'
  | 'UPDATE_INFO_URL_INVALID'
  | 'ADDON_NOT_FOUND'
  | 'VERSION_NOT_FOUND'
  | 'TARGET_NOT_FOUND'
  | 'RANGE_INVALID'
  | 'RELEASE_NOTES_INVALID'
  | 'JAMI_NOT_CONFIGURED'
  | 'JPL_KEY_CHANGED'
  | 'VISIBILITY_INVALID';

export class PublishError extends OutpostError<PublishErrorCode> {}

/**
 * Who asks. A token publishes only add-ons of its own key; an admin may publish any add-on (an
 * existing one keeps its key; `keyName` then only names the key for a new add-on).
 */
export interface Actor {
  /** For the audit log: `token:<id>`, `admin:<name>`. */
  name: string;
  ip?: string;
  keyName: string;
  admin?: boolean;
}

/**
 * The one ownership rule, for every kind and every change: a record belongs to the publisher key
 * that created it; only a token of that key or an admin may change it. Answers the owner's key.
 */
export function ownerKey(record: { readonly publisherKey: string } | undefined, actor: Actor, what: string): string {
  if (!record) return actor.keyName;
  if (record.publisherKey !== actor.keyName && !actor.admin) {
    throw new PublishError('ADDON_OWNED_BY_OTHER_KEY', `${what} belongs to another publisher key; use a token of that key.`);
  }
  return record.publisherKey;
}
