/** A cookie-keeping HTTP client that signs in to the admin interface like a browser would. */
export class AdminClient {
  cookie = '';

  constructor(private readonly base: string) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookie) headers.set('cookie', this.cookie);
    const res = await fetch(`${this.base}${path}`, { ...init, headers, redirect: 'manual' });
    const set = res.headers.getSetCookie();
    for (const c of set) {
      const [pair] = c.split(';');
      // One session cookie at a time is all this client needs to track.
      this.cookie = pair!.endsWith('=') ? '' : pair!;
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

  async signIn(username: string, password: string): Promise<Response> {
    const token = await this.csrf();
    return this.post('/admin/login', { _csrf: token, username, password, next: '/admin/' });
  }
}
