/** A cookie-keeping HTTP client that signs in to the admin interface like a browser would. */
export class AdminClient {
  /** name → value; every path under one origin shares it (all admin cookies live under /admin or /). */
  readonly cookies = new Map<string, string>();
  /** Every Set-Cookie header this client received, in order. */
  readonly received: string[] = [];

  constructor(private readonly base: string) {}

  /** The Cookie header this client sends. */
  get cookie(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', this.cookie);
    const res = await fetch(`${this.base}${path}`, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      this.received.push(c);
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      // Express clears a cookie with an empty value and a date in 1970.
      if (!value || /expires=thu, 01 jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  async csrf(path = '/admin/login'): Promise<string> {
    const html = await (await this.request(path)).text();
    const m = /name="_csrf" value="([^"]+)"/.exec(html) ?? /_csrf=([^"&]+)/.exec(html);
    if (!m) throw new Error(`no CSRF token on ${path}`);
    return decodeURIComponent(m[1]!);
  }

  async post(path: string, fields: Record<string, string>): Promise<Response> {
    return this.request(path, { method: 'POST', body: new URLSearchParams(fields) });
  }

  /** The upload form as a browser sends it: multipart, its CSRF token in the query string. */
  async upload(bytes: Buffer, fileName: string, fields: Record<string, string> = {}): Promise<Response> {
    const form = new FormData();
    form.set('package', new Blob([new Uint8Array(bytes)]), fileName);
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    const csrf = await this.csrf('/admin/upload');
    return this.request(`/admin/upload?_csrf=${encodeURIComponent(csrf)}`, { method: 'POST', body: form });
  }

  async signIn(username: string, password: string): Promise<Response> {
    const token = await this.csrf();
    return this.post('/admin/login', { _csrf: token, username, password, next: '/admin/' });
  }
}
