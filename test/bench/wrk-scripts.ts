import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH_APPS } from './fixtures.ts';

/** `{…}` ids as clients send them in a query (percent-encoded braces). */
const enc = (s: string) => encodeURIComponent(s);

/** The query string of an update check, as %APP_ID% … placeholders expand in a client. */
export function updateQuery(id: string, app: string, appVersion: string, compatMode: string): string {
  return `reqVersion=2&id=${enc(id)}&version=1.0&appID=${enc(app)}&appVersion=${appVersion}&appOS=Linux&appABI=x86_64-gcc3&compatMode=${compatMode}`;
}

/**
 * A wrk script whose requests cycle through 60 000 distinct appVersions, 15 000 for each of the
 * four applications (Firefox x.y, Thunderbird x.y.1, SeaMonkey 2.x.y, Pale Moon x.y.0.1, so no
 * two strings are equal), strict and normal mode alternating. Each wrk thread walks the whole
 * cycle from its own offset.
 */
export function distinctAppVersionsScript(dir: string, id: string): string {
  const file = path.join(dir, 'distinct-app-versions.lua');
  writeFileSync(
    file,
    // Globals, not locals: thread:set() writes the thread's globals.
    `n = 0
offset = 0
local apps = { "${enc(BENCH_APPS.firefox)}", "${enc(BENCH_APPS.thunderbird)}", "${enc(BENCH_APPS.seamonkey)}", "${enc(BENCH_APPS.paleMoon)}" }
local prefix = "/updates/${enc(id)}?reqVersion=2&id=${enc(id)}&version=1.0&appID="
local threads = 0
function setup(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end
function request()
  n = n + 1
  local i = (n + offset) % 60000
  local app = i % 4
  local k = math.floor(i / 4)
  local v
  if app == 0 then v = string.format("%d.%d", 40 + k % 100, math.floor(k / 100))
  elseif app == 1 then v = string.format("%d.%d.1", 40 + k % 100, math.floor(k / 100))
  elseif app == 2 then v = string.format("2.%d.%d", 30 + k % 40, math.floor(k / 40))
  else v = string.format("%d.%d.0.1", 25 + k % 10, math.floor(k / 10)) end
  local mode = (k % 2 == 0) and "strict" or "normal"
  return wrk.format("GET", prefix .. apps[app + 1] .. "&appVersion=" .. v .. "&appOS=Linux&appABI=x86_64-gcc3&compatMode=" .. mode)
end
`,
  );
  return file;
}
