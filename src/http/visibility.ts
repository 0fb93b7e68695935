import { PublishError } from '../app/publish-errors.ts';

/**
 * The visibility a form or URL asks for: exactly `private` or `public`. Anything else is refused,
 * never read as one of them: a form that lost its field must not make a private item public.
 */
export function parseVisibility(value: unknown): 'private' | 'public' {
  if (value === 'private' || value === 'public') return value;
  throw new PublishError('VISIBILITY_INVALID', 'The visibility is private or public.');
}
