/** `releaseNotes` (default) and `releaseNotes.<locale>` form fields, as one map ('' = default). */
export function releaseNotesFrom(body: Record<string, unknown> | undefined): Record<string, string> | undefined {
  const notes: Record<string, string> = {};
  for (const [name, value] of Object.entries(body ?? {})) {
    if (typeof value !== 'string') continue;
    if (name === 'releaseNotes') notes[''] = value;
    else if (name.startsWith('releaseNotes.')) notes[name.slice('releaseNotes.'.length)] = value;
  }
  return Object.keys(notes).length ? notes : undefined;
}
