/**
 * Applications that get pre-rendered documents of their own (`updates/<id>/<app>/…`). Another
 * (well-formed) application id stays in update.rdf and the adaptive URL's answers but never becomes
 * a folder: a name taken from a package must not decide the shape of the served tree.
 */
export const KNOWN_APPLICATIONS: Readonly<Record<string, string>> = Object.freeze({
  '{ec8030f7-c20a-464f-9b0e-13a3a9e97384}': 'Firefox',
  '{aa3c5121-dab2-40e2-81ca-7ea25febc110}': 'Firefox for Android',
  '{a23983c0-fd0e-11dc-95ff-0800200c9a66}': 'Fennec (XUL)',
  '{3550f703-e582-4d05-9a08-453d09bdfdc6}': 'Thunderbird',
  '{92650c4d-4b8e-4d2a-b7eb-24ecf4f6b63a}': 'SeaMonkey',
  '{8de7fcbb-c55c-4fbe-bfc5-fc555c87dbc4}': 'Pale Moon',
  '{718e30fb-e89b-41dd-9da7-e25a45638b28}': 'Sunbird',
  '{33cb9019-c295-46dd-be21-8c4936574bee}': 'Instantbird',
  'songbird@songbirdnest.com': 'Songbird',
  'postbox@postbox-inc.com': 'Postbox',
  'zotero@chnm.gmu.edu': 'Zotero',
  'juris-m@juris-m.github.io': 'Juris-M',
  'toolkit@mozilla.org': 'any toolkit application',
});

export function isKnownApplication(id: string): boolean {
  return Object.hasOwn(KNOWN_APPLICATIONS, id);
}
