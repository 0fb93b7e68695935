/** Just enough HTML reading for admin page tests: the pages are our own, simple, server-rendered markup. */

export function unescapeHtml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The text inside the element with this id (no nested element of the same tag). */
export function elementText(html: string, id: string): string {
  const m = new RegExp(`<([a-z0-9]+)[^>]*\\sid="${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[^>]*>([\\s\\S]*?)</\\1>`).exec(html);
  if (!m) throw new Error(`no element #${id}`);
  return unescapeHtml(m[2]!.replace(/<[^>]+>/g, ''));
}

/** Every href on the page, unescaped. */
export function hrefs(html: string): string[] {
  return [...html.matchAll(/\shref="([^"]*)"/g)].map((m) => unescapeHtml(m[1]!));
}

/** The rows of the first table body on the page, without the line-break hints (<wbr>) in ids. */
export function bodyRows(html: string): string[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1]?.replace(/<wbr>/g, '') ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!);
}
