/**
 * A publish answer carries the public links, which a private item's clients cannot use (they
 * answer 404 like an unknown id): the answer says so and where the new version is served.
 */
export function withPrivateWarning(warnings: string[], isPrivate: boolean | undefined, what: string): string[] {
  return isPrivate ? [...warnings, `This ${what} is private: the links above answer 404; its feeds serve the new version (outpost feed list).`] : warnings;
}
