// The run detail screen: header and its actions, the outcome above the tabs, every tab of a
// completed agent run (timeline cards and their screenshots, output, parameters, recording with
// chapter marks, code), the API & Webhooks dialog (its curl reproduces the run; a delivery and
// Resend), a failed run's reason, a run canceled while queued, a plan run's tabs, a phone's width.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { API_KEY, assertAccessible, elementId, openBrowser, screenshot, scriptedModel, serveFixtures, signIn, startAppliance } from './harness.mjs';

let app;
let fixtures;
let model;
let receiver;
const hooks = [];

before(async () => {
  fixtures = await serveFixtures();
  model = await scriptedModel((prompt) => {
    if (prompt.includes('searched flights')) {
      return {
        reasoning: 'The result line says the search ran; I read it and finish.',
        actions: [{ action: 'extract', fields: { result: elementId(prompt, 'searched flights') }, intent: 'read the result' }, { action: 'complete' }],
      };
    }
    return {
      reasoning: 'The page has a search box; I type the query and press Search.',
      actions: [
        { action: 'fill', element: elementId(prompt, 'input'), text: 'flights', intent: 'type the query' },
        { action: 'click', element: elementId(prompt, '"Search"'), intent: 'start the search' },
      ],
    };
  });
  receiver = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    hooks.push(JSON.parse(body || '{}'));
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise((done) => receiver.listen(0, '127.0.0.1', done));
  app = await startAppliance({ ...model.settings, WEBHOOKS__ALLOW_PRIVATE: 'true' });
});
after(async () => {
  await app?.stop();
  await model?.close();
  await fixtures?.close();
  await new Promise((done) => receiver.close(done));
});

const hookUrl = () => `http://127.0.0.1:${receiver.address().port}/hook`;

/** Opens a signed-in browser for `fn(page)`; closes it whatever happens (asserting no console errors on success). */
async function withBrowser(name, fn, options) {
  const { allowErrors = [], ...rest } = options ?? {};
  const browser = await openBrowser(rest);
  let passed = false;
  try {
    await signIn(browser.page, app);
    await fn(browser.page);
    passed = true;
  } finally {
    if (passed) await browser.close({ allowErrors });
    else {
      await screenshot(browser.page, `failed-${name}`).catch(() => undefined);
      console.log('console errors:', browser.errors);
      await browser.browser.close();
    }
  }
}

async function createRun(body) {
  const { status, body: run } = await app.api('/run/tasks', 'POST', body);
  assert.equal(status, 200, JSON.stringify(run));
  return run.run_id;
}

const tab = (page, name) => page.getByRole('tab', { name, exact: true });
const panel = (page) => page.getByRole('tabpanel');

let agentRunId;

test('every tab of a completed agent run, and clicking a card shows its screenshot', async () => {
  agentRunId = await createRun({ url: `${fixtures.url}/small.html`, prompt: 'Search for flights and read the result', webhook_url: hookUrl() });
  const run = await app.waitForStatus(agentRunId, ['completed', 'failed', 'terminated']);
  assert.equal(run.status, 'completed', JSON.stringify(run));
  await app.waitForStatus(agentRunId, ['completed']);

  await withBrowser('run-detail-tabs', async (page) => {
    await page.goto(`${app.url}/runs/${agentRunId}`);
    await page.getByRole('heading', { level: 1, name: 'Search for flights and read the result' }).waitFor();
    assert.equal(await page.locator('.run-header .badge').innerText(), 'completed');
    assert.match(await page.locator('.run-header').innerText(), new RegExp(agentRunId));
    await page.getByRole('button', { name: 'Copy run ID' }).waitFor();
    await page.getByRole('link', { name: 'Rerun' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Rerun' }).getAttribute('href'), `/runs/new?from=${agentRunId}`);
    assert.equal(await page.getByRole('button', { name: 'Cancel' }).count(), 0, 'an ended run cannot be canceled');
    assert.equal(await page.getByRole('link', { name: 'Watch live' }).count(), 0);
    const extracted = page.getByRole('region', { name: 'Extracted information' });
    assert.match(await extracted.innerText(), /"result": "searched flights"/);

    // Overview: Thought cards tagged Decision, numbered Action cards with their intent.
    assert.equal(await tab(page, 'Overview').getAttribute('aria-selected'), 'true');
    const timeline = page.getByRole('list', { name: 'Timeline' });
    const thought = timeline.getByRole('button', { name: /Decision.*I type the query/ });
    await thought.waitFor();
    const click = timeline.getByRole('button', { name: /#3 click.*start the search/ });
    await click.waitFor();
    assert.ok((await timeline.getByRole('button', { name: /^Action/ }).count()) >= 3);
    const counters = await page.locator('.counters').innerText();
    assert.match(counters, /Actions\s*\d/);
    assert.match(counters, /Steps\s*\d/);
    const latest = await page.getByRole('img', { name: 'The page as the run left it' }).getAttribute('src');
    assert.ok(latest, 'the latest screenshot is shown');
    await assertAccessible(page, 'run detail overview');
    await screenshot(page, 'run-detail-overview');

    await click.click();
    const shot = page.getByRole('img', { name: /Screenshot after #3 click/ });
    await shot.waitFor();
    const items = (await app.api(`/runs/${agentRunId}/timeline`)).body;
    const second = items.find((item) => item.action_number === 3);
    assert.equal(await shot.getAttribute('src'), `/v1/artifacts/${second.screenshot_artifact_id}/content`);
    assert.ok(await shot.evaluate((img) => img.complete && img.naturalWidth > 0), 'the screenshot loads');
    assert.equal(await click.getAttribute('aria-pressed'), 'true');
    await screenshot(page, 'run-detail-card-selected');
    // By keyboard: the first action card, with Enter.
    await timeline.getByRole('button', { name: /#1 / }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('img', { name: /Screenshot after #1 / }).waitFor();

    // Tabs by arrow keys.
    await tab(page, 'Overview').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await tab(page, 'Output').getAttribute('aria-selected'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Output');
    const output = panel(page).getByLabel('Run output');
    assert.match(await output.innerText(), /"result": "searched flights"/);
    await panel(page).getByText('The run downloaded no file.').waitFor();
    await assertAccessible(page, 'run detail output');
    await screenshot(page, 'run-detail-output');

    await page.keyboard.press('ArrowRight');
    assert.equal(await tab(page, 'Parameters').getAttribute('aria-selected'), 'true');
    const parameters = await panel(page).innerText();
    assert.match(parameters, /Search for flights and read the result/);
    assert.match(parameters, /small\.html/);
    assert.match(parameters, new RegExp(hookUrl().replace(/[.]/g, '\\.')));
    await assertAccessible(page, 'run detail parameters');
    await screenshot(page, 'run-detail-parameters');

    await tab(page, 'Recording').click();
    const video = panel(page).locator('video');
    await video.waitFor();
    assert.equal(await video.getAttribute('src'), run.recording_url ?? (await app.api(`/runs/${agentRunId}`)).body.recording_url);
    assert.equal(await video.getAttribute('controls'), '');
    await page.waitForFunction(() => (document.querySelector('.recording video')?.readyState ?? 0) >= 1);
    const chapters = panel(page).getByRole('list').getByRole('button');
    assert.ok((await chapters.count()) >= 3, 'a chapter mark per action');
    const third = chapters.nth(2);
    assert.match(await third.innerText(), /^\d+:\d\d\.\d #3 /);
    const seconds = Number(await third.getAttribute('data-seconds'));
    const duration = await video.evaluate((v) => v.duration);
    assert.ok(seconds > 0 && seconds < duration, `the action (${seconds} s) is within the video (${duration} s)`);
    await third.click();
    await page.waitForFunction((want) => Math.abs(document.querySelector('.recording video').currentTime - want) < 0.2, seconds);
    await assertAccessible(page, 'run detail recording');
    await screenshot(page, 'run-detail-recording');

    await tab(page, 'Code').click();
    await panel(page).getByRole('heading', { name: 'Python (Playwright)' }).waitFor();
    assert.match(await panel(page).getByLabel('Python (Playwright)').innerText(), /sync_playwright/);
    assert.match(await panel(page).getByLabel('Replay script').innerText(), /"action": "click"/);
    await panel(page).getByRole('button', { name: 'Copy the Python script' }).waitFor();
    await panel(page).getByRole('button', { name: 'Copy the replay script' }).waitFor();
    await assertAccessible(page, 'run detail code');
    await screenshot(page, 'run-detail-code');
    assert.equal(await tab(page, 'Steps').count(), 0, 'Steps is for plan runs');
  });
});

test('the curl of API & Webhooks makes the same run again; the webhook delivery is listed and Resend adds an attempt', async () => {
  assert.ok(agentRunId, 'the first test made a run');
  const first = (await app.api(`/runs/${agentRunId}`)).body;
  // The completion's delivery reached the receiver.
  for (let i = 0; i < 100 && !hooks.some((hook) => hook.run_id === agentRunId); i++) await new Promise((done) => setTimeout(done, 100));
  assert.ok(hooks.some((hook) => hook.run_id === agentRunId && hook.event_type === 'task_run.completed'));

  await withBrowser('run-detail-api', async (page) => {
    await page.goto(`${app.url}/runs/${agentRunId}`);
    await page.getByRole('button', { name: 'API & Webhooks' }).click();
    const dialog = page.getByRole('dialog', { name: 'API & Webhooks' });
    await dialog.waitFor();
    const curl = await dialog.getByLabel('curl command').innerText();
    assert.ok(!curl.includes(API_KEY), 'the key is never shown');
    assert.match(curl, /^curl|\ncurl/);
    await dialog.getByRole('button', { name: 'Copy the command' }).waitFor();

    const attempts = dialog.locator('tbody tr');
    await attempts.first().waitFor();
    const table = dialog.getByRole('table', { name: /Attempts of task_run\.completed/ });
    assert.match(await table.innerText(), /200/);
    assert.match(await table.innerText(), /delivered/);
    const before = await attempts.count();
    await assertAccessible(page, 'API & Webhooks dialog');
    await screenshot(page, 'run-detail-api-dialog');

    await dialog.getByRole('button', { name: 'Resend' }).click();
    await dialog.getByRole('status').filter({ hasText: 'HTTP 200' }).waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('dialog[open] tbody tr').length > n, before);
    assert.ok(hooks.filter((hook) => hook.run_id === agentRunId).length >= 2, 'the receiver got it again');
    await screenshot(page, 'run-detail-api-resent');

    // The text, run as it is (the key only through $SKYVERN_API_KEY, or unmasked if it is masked).
    const command = curl.includes('skv_••••') ? curl.replace(/skv_•+/g, API_KEY) : curl;
    const answer = await new Promise((done, fail) =>
      execFile('bash', ['-c', command], { env: { ...process.env, SKYVERN_API_KEY: API_KEY } }, (error, stdout, stderr) => (error ? fail(new Error(stderr || error.message)) : done(stdout))),
    );
    const again = JSON.parse(answer);
    assert.ok(again.run_id && again.run_id !== agentRunId, answer);
    const second = (await app.api(`/runs/${again.run_id}`)).body;
    for (const field of ['prompt', 'url', 'engine', 'script']) {
      assert.deepEqual(second.run_request[field], first.run_request[field], `the request's ${field}`);
    }
    await app.waitForStatus(again.run_id, ['completed', 'failed', 'terminated']);
  });
});

test('the page of a running run follows it live: the live picture, new cards, the end and the extracted information', async () => {
  const runId = await createRun({
    url: `${fixtures.url}/small.html`,
    prompt: 'Search live',
    engine: 'code',
    script: [{ action: 'wait', ms: 2500 }, { action: 'fill', selector: '#q', value: 'live' }, { action: 'click', selector: '#go' }, { action: 'extract', fields: { result: '#result' } }],
  });
  await withBrowser('run-detail-live', async (page) => {
    await page.goto(`${app.url}/runs/${runId}`);
    await page.getByRole('img', { name: /The page at .*small\.html/ }).waitFor();
    await page.getByRole('link', { name: 'Watch live' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Rerun' }).count(), 0);
    assert.equal(await page.locator('.run-header .badge').innerText(), 'running');
    await screenshot(page, 'run-detail-running');
    const timeline = page.getByRole('list', { name: 'Timeline' });
    await timeline.getByRole('button', { name: /#4 click #go/ }).waitFor();
    await page.locator('.run-header .badge', { hasText: 'completed' }).waitFor();
    await page.getByRole('link', { name: 'Rerun' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Watch live' }).count(), 0);
    const extracted = page.getByRole('region', { name: 'Extracted information' });
    await extracted.getByText('"searched live"').waitFor();
    await page.getByRole('img', { name: 'The page as the run left it' }).waitFor();
  });
});

test("a failed run's reason in a red box", async () => {
  const runId = await createRun({ url: `${fixtures.url}/small.html`, prompt: 'Press a missing button', engine: 'code', script: [{ action: 'click', selector: '#nope' }] });
  const run = await app.waitForStatus(runId, ['failed', 'completed']);
  assert.equal(run.status, 'failed');
  await withBrowser('run-detail-failed', async (page) => {
    await page.goto(`${app.url}/runs/${runId}`);
    const box = page.getByRole('alert').filter({ hasText: 'Failure reason' });
    await box.waitFor();
    const text = await box.innerText();
    assert.match(text, /#nope/);
    assert.match(text, new RegExp(run.errors[0].code));
    assert.equal(await page.getByRole('region', { name: 'Extracted information' }).count(), 0);
    assert.equal(await page.locator('.run-header .badge').innerText(), 'failed');
    await assertAccessible(page, 'run detail failed');
    await screenshot(page, 'run-detail-failed');
  });
});

test('an unknown run says so, on its page and on its live screen', async () => {
  await withBrowser(
    'run-detail-unknown',
    async (page) => {
      for (const path of ['/runs/tsk_999999', '/runs/tsk_999999/live']) {
        await page.goto(`${app.url}${path}`);
        const box = page.getByRole('alert').filter({ hasText: 'The run could not be loaded' });
        await box.waitFor();
        assert.match(await box.innerText(), /tsk_999999/);
        assert.doesNotMatch(await box.innerText(), /[{}]/, 'a readable message, not JSON');
      }
      await assertAccessible(page, 'unknown run');
      await screenshot(page, 'run-detail-unknown');
    },
    { allowErrors: [/status of 404/] },
  );
});

test('a run canceled from its page while queued shows no recording, with the reason', async () => {
  const holder = await createRun({ url: `${fixtures.url}/small.html`, prompt: 'Hold the browser', engine: 'code', script: [{ action: 'wait', ms: 60000 }] });
  await app.waitForStatus(holder, ['running']);
  const queued = await createRun({ url: `${fixtures.url}/small.html`, prompt: 'Wait my turn', engine: 'code', script: [{ action: 'wait', ms: 1 }] });
  assert.equal((await app.api(`/runs/${queued}`)).body.status, 'queued');
  try {
    await withBrowser('run-detail-queued', async (page) => {
      await page.goto(`${app.url}/runs/${queued}`);
      await page.locator('.run-header .badge', { hasText: 'queued' }).waitFor();
      await page.getByRole('link', { name: 'Watch live' }).waitFor();
      assert.equal(await page.getByRole('link', { name: 'Rerun' }).count(), 0, 'no rerun before the end');
      await page.getByRole('button', { name: 'Cancel' }).click();
      const dialog = page.getByRole('dialog', { name: 'Cancel this run?' });
      await dialog.getByRole('button', { name: 'Keep it' }).click();
      assert.equal((await app.api(`/runs/${queued}`)).body.status, 'queued', 'dismissed: still queued');
      await page.getByRole('button', { name: 'Cancel' }).click();
      await assertAccessible(page, 'cancel dialog on the run page');
      await dialog.getByRole('button', { name: 'Cancel the run' }).click();
      await page.locator('.run-header .badge', { hasText: 'canceled' }).waitFor();
      assert.equal((await app.api(`/runs/${queued}`)).body.status, 'canceled');
      await page.getByRole('link', { name: 'Rerun' }).waitFor();
      await tab(page, 'Recording').click();
      await panel(page).getByText('No recording available', { exact: true }).waitFor();
      await panel(page).getByText(/before its browser started/).waitFor();
      await assertAccessible(page, 'run detail without recording');
      await screenshot(page, 'run-detail-no-recording');
      await tab(page, 'Code').click();
      await panel(page).getByText(/left no script/).waitFor();
    },
    // The API's 404 answers (no recording, no script) are what the tabs explain; Chromium logs them.
    { allowErrors: [/status of 404/] });
  } finally {
    await app.api(`/runs/${holder}/cancel`, 'POST');
  }
});

test('a plan run has Edit and a Steps tab; the run page fits a phone', async () => {
  const saved = await app.api('/agents', 'POST', {
    json_definition: { title: 'Short wait', workflow_definition: { parameters: [], blocks: [{ block_type: 'wait', label: 'pause', wait_sec: 0 }] } },
  });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  const planId = saved.body.workflow_permanent_id;
  const started = await app.api('/run/agents', 'POST', { agent_id: planId, parameters: {} });
  const runId = started.body.run_id;
  assert.equal((await app.waitForStatus(runId, ['completed', 'failed'])).status, 'completed');
  await withBrowser('run-detail-plan', async (page) => {
    await page.goto(`${app.url}/runs/${runId}`);
    await page.getByRole('heading', { level: 1, name: 'Short wait' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Edit' }).getAttribute('href'), `/plans/${planId}`);
    await page.getByRole('list', { name: 'Timeline' }).getByRole('button', { name: /Block.*pause/ }).click();
    await tab(page, 'Parameters').click();
    await panel(page).getByRole('heading', { name: /Block .pause./ }).waitFor();
    await panel(page).getByLabel('Configuration of block pause').getByText('"wait_sec"').waitFor();
    const config = await panel(page).getByLabel('Configuration of block pause').innerText();
    assert.match(config, /"block_type": "wait"/);
    assert.match(config, /"wait_sec": 0/);
    await assertAccessible(page, 'run detail parameters with a block');
    await screenshot(page, 'run-detail-plan-block');
    await tab(page, 'Steps').click();
    assert.equal(await panel(page).getAttribute('id'), 'panel-steps');
    await screenshot(page, 'run-detail-plan-steps');
  });
  await withBrowser(
    'run-detail-phone',
    async (page) => {
      // The agent run of the first test (richer), or this plan run when run alone.
      await page.goto(`${app.url}/runs/${agentRunId ?? runId}`);
      await page.getByRole('list', { name: 'Timeline' }).waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `nothing runs off a phone's screen (${overflow}px)`);
      await assertAccessible(page, 'run detail on a phone');
      await screenshot(page, 'run-detail-phone');
    },
    { viewport: { width: 390, height: 844 } },
  );
});
