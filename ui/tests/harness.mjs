// What the browser tests share: the real appliance binary started on a fresh data directory,
// the repository's fixture pages served locally, a scripted OpenAI-compatible model, the system
// Chromium driven by playwright-core, a screenshot of every screen a test checks (under
// ui/test-output/), axe-core's accessibility check, and a watch for console errors.
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const OUTPUT = resolve(HERE, '..', 'test-output');
const CHROMIUM = process.env.SKYVERN_TEST_CHROMIUM ?? '/usr/lib/chromium/chromium';
export const API_KEY = 'skv_uitestkey000000000000000000000000000000';

function binary() {
  if (process.env.SKYVERN_BIN) return process.env.SKYVERN_BIN;
  return join(process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target'), 'debug', 'skyvern');
}

/** Listens on a free local port; answers the base URL. */
function listen(server) {
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(`http://127.0.0.1:${server.address().port}`)));
}

async function freePort() {
  const server = createServer();
  const url = await listen(server);
  await new Promise((done) => server.close(done));
  return Number(new URL(url).port);
}

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/**
 * The appliance on a free port with a fresh data directory and the test key; `settings` are
 * config keys as `SECTION__KEY`. `stop()` ends it with SIGTERM and checks it exits cleanly.
 */
export async function startAppliance(settings = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'skyvern-ui-test-'));
  const env = {
    ...process.env,
    SKYVERN__SERVER__LISTEN: `127.0.0.1:${port}`,
    SKYVERN__STORAGE__DATA_DIR: dataDir,
    SKYVERN__AUTH__API_KEY: API_KEY,
    SKYVERN__BROWSER__POOL_SIZE: '1',
    ...Object.fromEntries(Object.entries(settings).map(([key, value]) => [`SKYVERN__${key}`, String(value)])),
  };
  const child = spawn(binary(), ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the appliance exited at start-up:\n${log}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the appliance did not start:\n${log}`);
    await sleep(100);
  }
  const app = {
    url,
    dataDir,
    log: () => log,
    /** Calls the API with the test key; answers `{status, body}`. */
    async api(path, method = 'GET', body) {
      const response = await fetch(`${url}/v1${path}`, {
        method,
        headers: { 'x-api-key': API_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    /** Waits until the run's status is one of `statuses`; answers the run. */
    async waitForStatus(runId, statuses, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      let run;
      while (Date.now() < until) {
        run = (await app.api(`/runs/${runId}`)).body;
        if (statuses.includes(run.status)) return run;
        await sleep(100);
      }
      throw new Error(`run ${runId} stayed ${run?.status}, not ${statuses.join('|')}`);
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
      child.kill('SIGTERM');
      const { code } = await exited;
      assert.equal(code, 0, `the appliance did not stop cleanly:\n${log.slice(-4000)}`);
    },
  };
  return app;
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.png': 'image/png', '.pdf': 'application/pdf', '.txt': 'text/plain' };

/** The repository's fixture pages (tests/fixtures) on a local HTTP server; answers its base URL. */
export async function serveFixtures() {
  const folder = join(ROOT, 'tests', 'fixtures');
  const server = createServer((request, response) => {
    const path = join(folder, decodeURIComponent(new URL(request.url, 'http://x').pathname));
    if (!path.startsWith(folder) || !existsSync(path) || !statSync(path).isFile()) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
    createReadStream(path).pipe(response);
  });
  const url = await listen(server);
  return { url, close: () => new Promise((done) => server.close(done)) };
}

/**
 * An OpenAI-compatible model that answers every chat completion with `decide(prompt, body)`:
 * `{reasoning, actions}` for the agent, or any value (sent as JSON text). Reports usage of 100
 * input (20 cached) and 10 output tokens per call. `settings` are the appliance's config keys
 * pointing at it.
 */
export async function scriptedModel(decide) {
  const requests = [];
  const server = createServer(async (request, response) => {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    const body = JSON.parse(raw || '{}');
    requests.push(body);
    const last = body.messages?.at(-1)?.content;
    const prompt = typeof last === 'string' ? last : (last ?? []).map((part) => part.text ?? '').join('\n');
    const answer = await decide(prompt, body);
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: 'chatcmpl-test',
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: typeof answer === 'string' ? answer : JSON.stringify(answer) }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 100, completion_tokens: 10, prompt_tokens_details: { cached_tokens: 20 } },
      }),
    );
  });
  const url = await listen(server);
  return {
    url,
    requests,
    settings: { LLM__PROVIDER: 'openai', LLM__BASE_URL: `${url}/v1`, LLM__MODEL: 'test-model', LLM__VISION: 'false' },
    close: () => new Promise((done) => server.close(done)),
  };
}

/** The id of the element whose line in an agent prompt holds `needle`. */
export function elementId(prompt, needle) {
  const page = prompt.slice(prompt.indexOf('The page now:'));
  const line = page.split('\n').find((l) => l.startsWith('[') && l.includes(needle));
  assert.ok(line, `no element with ${needle} in the prompt:\n${page}`);
  return line.slice(1, line.indexOf(']'));
}

/**
 * The system Chromium with one page at a laptop's size (or `viewport`). Console errors and
 * uncaught exceptions are collected; `close()` asserts there were none.
 */
export async function openBrowser({ viewport = { width: 1366, height: 900 } } = {}) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  page.on('pageerror', (error) => errors.push(String(error)));
  page.setDefaultTimeout(20_000);
  return {
    browser,
    context,
    page,
    errors,
    async close({ allowErrors = [] } = {}) {
      await browser.close();
      const unexpected = errors.filter((text) => !allowErrors.some((pattern) => pattern.test(text)));
      assert.deepEqual(unexpected, [], 'the UI logged errors in the console');
    },
  };
}

/** Signs in on the sign-in page with `key`. */
export async function signIn(page, app, key = API_KEY) {
  await page.goto(`${app.url}/login`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Saves a full-page screenshot as ui/test-output/<name>.png and says where. */
export async function screenshot(page, name) {
  mkdirSync(OUTPUT, { recursive: true });
  const path = join(OUTPUT, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core on the page as it is now; fails on any serious or critical violation. */
export async function assertAccessible(page, screen) {
  const violations = await page.evaluate(async (source) => {
    if (!window.axe) (0, eval)(source);
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  }, AXE_SOURCE);
  assert.deepEqual(violations, [], `accessibility violations on ${screen}`);
}
