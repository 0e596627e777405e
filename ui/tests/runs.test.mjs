// The runs page and the new-run form: runs grouped by status that move live, pages within a
// group, search, the form's field errors (its own and the server's 422), rerun from a stored
// request, at a laptop's and a phone's size.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, assertAccessible, openBrowser, screenshot, serveFixtures, signIn, startAppliance } from './harness.mjs';

let app;
let fixtures;
before(async () => {
  fixtures = await serveFixtures();
  app = await startAppliance();
});
after(async () => {
  await app?.stop();
  await fixtures?.close();
});

/** Starts a code-engine run on a fixture page; answers its id. */
async function codeRun(fields) {
  const { status, body } = await app.api('/run/tasks', 'POST', {
    url: `${fixtures.url}/note.html`,
    engine: 'code',
    script: [{ action: 'wait', ms: 10 }],
    ...fields,
  });
  assert.equal(status, 200, JSON.stringify(body));
  return body.run_id;
}

/** How many runs the appliance has, from the listing's `x-total-count`. */
async function runCount() {
  const response = await fetch(`${app.url}/v1/runs?page_size=1`, { headers: { 'x-api-key': API_KEY } });
  return Number(response.headers.get('x-total-count'));
}

/** Runs `body` with a browser, which is closed even when the test fails. */
async function withBrowser(options, body) {
  const browser = await openBrowser(options);
  try {
    await body(browser);
  } catch (error) {
    await browser.browser.close();
    throw error;
  }
  await browser.close(options.close);
}

const group = (page, title) => page.getByRole('region', { name: new RegExp(`^${title}`) });

test('a group shows five runs a page, with its own pager, and the page is kept in the URL', async () => {
  const ids = [];
  for (let i = 1; i <= 7; i++) ids.push(await codeRun({ title: `Batch run ${i}` }));
  for (const id of ids) await app.waitForStatus(id, ['completed']);
  assert.equal(await runCount(), 7);

  await withBrowser({}, async ({ page }) => {
    await signIn(page, app);
    const finished = group(page, 'Finished');
    await finished.getByRole('link', { name: 'Batch run 7' }).waitFor();
    assert.equal(await finished.locator('tbody tr').count(), 5);
    assert.match(await finished.getByRole('heading').innerText(), /7/);
    // Newest first: 7 to 3 on the first page.
    assert.equal(await finished.getByRole('link', { name: 'Batch run 2' }).count(), 0);
    await finished.getByRole('navigation', { name: 'Finished pages' }).getByText('Page 1 of 2').waitFor();
    // The other groups are empty and say so.
    await group(page, 'Running').getByText('Nothing is running.').waitFor();
    await screenshot(page, 'runs-finished-page-1');

    await finished.getByRole('button', { name: 'Next' }).click();
    await finished.getByRole('link', { name: 'Batch run 1' }).waitFor();
    assert.equal(await finished.locator('tbody tr').count(), 2);
    await finished.getByText('Page 2 of 2').waitFor();
    assert.match(page.url(), /finished_page=2/);
    await page.reload();
    await finished.getByRole('link', { name: 'Batch run 1' }).waitFor();
    assert.equal(await finished.locator('tbody tr').count(), 2);
    await screenshot(page, 'runs-finished-page-2');
    await assertAccessible(page, 'runs page, second page of a group');

    // A row opens its run, by keyboard too.
    await finished.getByRole('link', { name: 'Batch run 1' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/runs\/tsk_/);
    assert.equal(new URL(page.url()).pathname, `/runs/${ids[0]}`);
  });
});

test('without the x-total-count header, a group still knows whether it has a next page', async () => {
  await withBrowser({}, async ({ page }) => {
    // An older appliance: the listing without its total.
    await page.route(/\/v1\/runs\?/, async (route) => {
      const response = await route.fetch();
      const headers = { ...response.headers() };
      delete headers['x-total-count'];
      await route.fulfill({ response, headers });
    });
    await signIn(page, app);
    const finished = group(page, 'Finished');
    await finished.getByRole('link', { name: 'Batch run 7' }).waitFor();
    assert.equal(await finished.locator('tbody tr').count(), 5);
    assert.match(await finished.getByRole('heading').innerText(), /5\+/);
    await finished.getByRole('button', { name: 'Next' }).click();
    await finished.getByRole('link', { name: 'Batch run 1' }).waitFor();
    assert.equal(await finished.locator('tbody tr').count(), 2);
    assert.ok(await finished.getByRole('button', { name: 'Next' }).isDisabled());
    assert.match(await finished.getByRole('heading').innerText(), /\b7\b/);
    // Listings still in flight when the browser closes are no concern of this test.
    await page.unrouteAll({ behavior: 'ignoreErrors' });
  });
});

test('a run made with the form waits, runs and finishes on the runs page without a reload, and a second waits behind it', async () => {
  await withBrowser({}, async ({ page, context }) => {
    await signIn(page, app);
    await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
    await page.evaluate(() => {
      window.__marker = 1;
    });

    // The form, in a second tab of the same login.
    const form = await context.newPage();
    await form.goto(`${app.url}/runs/new`);
    await form.getByRole('heading', { name: 'New run', level: 1 }).waitFor();
    await form.getByLabel('Title').fill('Slow live run');
    await form.getByRole('radio', { name: 'Code' }).check();
    await form.getByLabel(/^URL/).fill(`${fixtures.url}/note.html`);
    await form.getByLabel('Action script').fill('[{"action": "wait", "ms": 4000}]');
    await assertAccessible(form, 'new run form');
    await screenshot(form, 'new-run-form');
    await form.getByRole('button', { name: 'Start run' }).click();
    await form.waitForURL(/\/runs\/tsk_[^/]+\/live$/);
    const firstId = new URL(form.url()).pathname.split('/')[2];
    const secondId = await codeRun({ title: 'Second in line', script: [{ action: 'wait', ms: 500 }] });

    // It appears at once, waiting or already running.
    const row = page.getByRole('link', { name: 'Slow live run' });
    await row.waitFor();
    const firstGroup = await row.evaluate((link) => link.closest('section').getAttribute('aria-labelledby'));
    assert.ok(['group-waiting', 'group-running'].includes(firstGroup), firstGroup);
    // While it runs, the second waits for the only browser slot.
    await group(page, 'Running').getByRole('link', { name: 'Slow live run' }).waitFor();
    await group(page, 'Waiting').getByRole('link', { name: 'Second in line' }).waitFor();
    assert.equal((await app.api(`/runs/${secondId}`)).body.status, 'queued');
    // The running one's duration ticks.
    const duration = group(page, 'Running').locator('td[data-label="Duration"]');
    const shown = await duration.innerText();
    assert.match(shown, /\d/);
    await page.waitForFunction(
      ([selector, before]) => {
        const cell = document.querySelector(selector);
        return cell && cell.textContent !== before && /\d/.test(cell.textContent);
      },
      ['section[aria-labelledby="group-running"] td[data-label="Duration"]', shown],
    );
    await screenshot(page, 'runs-one-running-one-waiting');
    await assertAccessible(page, 'runs page with running and waiting runs');

    // Both finish, and the page follows.
    const finished = group(page, 'Finished');
    await finished.getByRole('link', { name: 'Slow live run' }).waitFor({ timeout: 30_000 });
    await finished.getByRole('link', { name: 'Second in line' }).waitFor({ timeout: 30_000 });
    assert.equal(await group(page, 'Running').getByRole('link', { name: 'Slow live run' }).count(), 0);
    await group(page, 'Waiting').getByText('Nothing is waiting.').waitFor();
    assert.equal((await app.api(`/runs/${firstId}`)).body.status, 'completed');
    assert.equal(await page.evaluate(() => window.__marker), 1, 'the runs page was reloaded');
    await screenshot(page, 'runs-both-finished');
  });
});

test('the search box finds a run by a word of its prompt, shows where, and keeps the search in the URL', async () => {
  const wanted = await codeRun({ title: 'Instrument audit A', prompt: 'Count the xylophones in the storeroom' });
  const other = await codeRun({ title: 'Instrument audit B', prompt: 'Count the violins in the storeroom' });
  await app.waitForStatus(wanted, ['completed']);
  await app.waitForStatus(other, ['completed']);
  // The index takes in a run about a second after it changes.
  for (let tries = 0; (await app.api('/runs?search_key=xylophones')).body.length === 0; tries++) {
    assert.ok(tries < 100, 'the run never became findable');
    await new Promise((done) => setTimeout(done, 100));
  }

  await withBrowser({}, async ({ page }) => {
    await signIn(page, app);
    const finished = group(page, 'Finished');
    await finished.getByRole('link', { name: 'Instrument audit B' }).waitFor();
    await page.getByLabel('Search runs').fill('xylophones');
    await page.getByLabel('Search runs').press('Enter');
    await page.waitForURL(/q=xylophones/);
    await finished.getByRole('link', { name: 'Instrument audit A' }).waitFor();
    await finished.locator('mark', { hasText: 'xylophones' }).waitFor();
    assert.equal(await finished.locator('tbody tr').count(), 1);
    assert.equal(await page.getByRole('link', { name: 'Instrument audit B' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: /Batch run/ }).count(), 0);
    await screenshot(page, 'runs-search');
    await assertAccessible(page, 'runs page with a search');

    await page.reload();
    assert.equal(await page.getByLabel('Search runs').inputValue(), 'xylophones');
    await finished.getByRole('link', { name: 'Instrument audit A' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Instrument audit B' }).count(), 0);

    // A day filter: nothing was made after today.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await finished.getByRole('link', { name: 'Instrument audit B' }).waitFor();
    const tomorrow = new Date(Date.now() + 86_400_000);
    const day = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
    await page.getByLabel('Created from').fill(day);
    await finished.getByText('None match the filters.').waitFor();
    assert.match(page.url(), new RegExp(`from=${day}`));
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await finished.getByRole('link', { name: 'Instrument audit B' }).waitFor();
  });
});

test('a schema that is not JSON is shown under its field and nothing is sent; a schema the server refuses shows its 422 there too', async () => {
  const before = await runCount();
  await withBrowser({ close: { allowErrors: [/status of 422/] } }, async ({ page }) => {
    await signIn(page, app);
    await page.goto(`${app.url}/runs/new`);
    await page.getByRole('radio', { name: 'Code' }).check();
    await page.getByLabel(/^URL/).fill(`${fixtures.url}/note.html`);
    await page.getByLabel('Action script').fill('[{"action": "wait", "ms": 10}]');
    const schema = page.getByLabel('Data extraction schema');
    await schema.fill('{"type": "object", ');
    // Checked as it is typed, before any submit.
    const schemaError = page.locator('#run-schema-error');
    await schemaError.waitFor();
    assert.match(await schemaError.innerText(), /Not valid JSON/);
    assert.equal(await schema.getAttribute('aria-invalid'), 'true');
    assert.match(await schema.getAttribute('aria-describedby'), /run-schema-error/);
    await page.getByRole('button', { name: 'Start run' }).click();
    assert.equal(new URL(page.url()).pathname, '/runs/new');
    await page.waitForFunction(() => document.activeElement?.id === 'run-schema');
    await screenshot(page, 'new-run-bad-json');
    await assertAccessible(page, 'new run form with a field error');
    assert.equal(await runCount(), before, 'a run was created from a form with bad JSON');

    // Valid JSON, but not a JSON Schema: the server's 422 lands under the same field.
    await schema.fill('{"type": "nonsense"}');
    await schemaError.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Start run' }).click();
    await schemaError.waitFor();
    assert.match(await schemaError.innerText(), /Not a valid JSON Schema/);
    assert.equal(new URL(page.url()).pathname, '/runs/new');
    assert.equal(await runCount(), before);
    await screenshot(page, 'new-run-server-422');
    // Changing the field clears the server's complaint.
    await schema.fill('{"type": "object"}');
    await schemaError.waitFor({ state: 'detached' });
  });
});

test('run again opens the form filled in from the run’s stored request, and sends it with the changes', async () => {
  const original = await codeRun({
    title: 'Original for rerun',
    prompt: 'Read the note',
    script: [{ action: 'wait', ms: 20 }],
    data_extraction_schema: { type: 'object', properties: { note: { type: 'string' } } },
    error_code_mapping: { NO_NOTE: 'The note is missing' },
    max_steps: 7,
    model: { model_name: 'gpt-test' },
  });
  await app.waitForStatus(original, ['completed']);

  await withBrowser({}, async ({ page }) => {
    await signIn(page, app);
    await page.goto(`${app.url}/runs/new?from=${original}`);
    await page.getByRole('heading', { name: 'Run again', level: 1 }).waitFor();
    await page.getByLabel('Title').waitFor();
    assert.equal(await page.getByLabel('Title').inputValue(), 'Original for rerun');
    assert.equal(await page.getByLabel('Prompt').inputValue(), 'Read the note');
    assert.equal(await page.getByLabel(/^URL/).inputValue(), `${fixtures.url}/note.html`);
    assert.ok(await page.getByRole('radio', { name: 'Code' }).isChecked());
    assert.deepEqual(JSON.parse(await page.getByLabel('Action script').inputValue()), [{ action: 'wait', ms: 20 }]);
    assert.deepEqual(JSON.parse(await page.getByLabel('Data extraction schema').inputValue()), { type: 'object', properties: { note: { type: 'string' } } });
    assert.equal(await page.getByLabel('Code 1', { exact: true }).inputValue(), 'NO_NOTE');
    assert.equal(await page.getByLabel('Meaning of code 1').inputValue(), 'The note is missing');
    assert.equal(await page.getByLabel('Max steps').inputValue(), '7');
    assert.equal(await page.getByRole('textbox', { name: /^Model/ }).inputValue(), 'gpt-test');
    await screenshot(page, 'new-run-rerun');
    await assertAccessible(page, 'new run form filled in for a rerun');

    await page.getByLabel('Title').fill('Changed rerun');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/tsk_[^/]+\/live$/);
    const rerun = new URL(page.url()).pathname.split('/')[2];
    assert.notEqual(rerun, original);
    const request = (await app.api(`/runs/${rerun}/request?format=json`)).body;
    assert.equal(request.title, 'Changed rerun');
    assert.equal(request.prompt, 'Read the note');
    assert.deepEqual(request.error_code_mapping, { NO_NOTE: 'The note is missing' });
    assert.equal(request.max_steps, 7);
    assert.deepEqual(request.model, { model_name: 'gpt-test' });
    await app.waitForStatus(rerun, ['completed']);
  });
});

test('a stored credential is named by a placeholder inserted at the cursor, and an uploaded file goes with the run', async () => {
  const credential = await app.api('/credentials', 'POST', {
    name: 'Example shop',
    credential_type: 'password',
    credential: { username: 'ada@example.org', password: 'correct horse' },
  });
  assert.equal(credential.status, 201, JSON.stringify(credential.body));
  const id = credential.body.credential_id;
  await withBrowser({}, async ({ page }) => {
    await signIn(page, app);
    await page.goto(`${app.url}/runs/new`);
    await page.getByRole('radio', { name: 'Code' }).check();
    await page.getByLabel('Title').fill('Uses a credential');
    const prompt = page.getByLabel('Prompt');
    await prompt.fill('Sign in as  then stop');
    // The cursor between the two spaces.
    await prompt.evaluate((area) => area.setSelectionRange(11, 11));
    await page.getByLabel('Credential', { exact: true }).selectOption({ label: 'Example shop (password)' });
    await page.getByLabel('Field', { exact: true }).selectOption('username');
    await page.getByRole('button', { name: 'Insert placeholder' }).click();
    assert.equal(await prompt.inputValue(), `Sign in as {{credential.${id}.username}} then stop`);
    await page.getByText('This run uses:').waitFor();
    await page.getByRole('listitem').filter({ hasText: id }).getByText('Example shop').waitFor();

    await page.getByLabel(/^Files/).setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await page.getByRole('list', { name: 'Files for the run' }).getByText('notes.txt').waitFor();
    await page.getByLabel(/^URL/).fill(`${fixtures.url}/note.html`);
    await page.getByLabel('Action script').fill('[{"action": "wait", "ms": 10}]');
    await screenshot(page, 'new-run-credential-and-file');
    await assertAccessible(page, 'new run form with a credential and a file');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/tsk_[^/]+\/live$/);
    const run = new URL(page.url()).pathname.split('/')[2];
    const request = (await app.api(`/runs/${run}/request?format=json`)).body;
    assert.equal(request.prompt, `Sign in as {{credential.${id}.username}} then stop`);
    assert.deepEqual(Object.keys(request.files), ['notes.txt']);
    const uploads = (await app.api(`/runs/${run}/artifacts?artifact_type=upload`)).body;
    assert.equal(uploads.length, 1);
  });
});

test('a run can be given an open browser session', async () => {
  const session = await app.api('/browser_sessions', 'POST', { url: `${fixtures.url}/note.html` });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  const sessionId = session.body.browser_session_id;
  try {
    await withBrowser({}, async ({ page }) => {
      await signIn(page, app);
      await page.goto(`${app.url}/runs/new`);
      await page.getByRole('radio', { name: 'Code' }).check();
      await page.getByLabel('Title').fill('In a session');
      await page.getByLabel('Action script').fill('[{"action": "wait", "ms": 10}]');
      const select = page.getByLabel(/^Browser session/);
      await select.locator(`option[value="${sessionId}"]`).waitFor({ state: 'attached' });
      await select.selectOption(sessionId);
      await page.getByRole('button', { name: 'Start run' }).click();
      await page.waitForURL(/\/runs\/tsk_[^/]+\/live$/);
      const run = new URL(page.url()).pathname.split('/')[2];
      const done = await app.waitForStatus(run, ['completed', 'failed']);
      assert.equal(done.browser_session_id, sessionId);
      assert.equal(done.status, 'completed', done.failure_reason);
    });
  } finally {
    await app.api(`/browser_sessions/${sessionId}/close`, 'POST');
  }
});

test('on a phone, the runs page shows each run as a card and stays usable', async () => {
  await withBrowser({ viewport: { width: 390, height: 844 } }, async ({ page }) => {
    await signIn(page, app);
    await page.goto(`${app.url}/runs`);
    const finished = group(page, 'Finished');
    await finished.getByRole('link').first().waitFor();
    // Nothing wider than the screen.
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the page is ${width}px wide`);
    await screenshot(page, 'runs-phone');
    await assertAccessible(page, 'runs page on a phone');
    await page.goto(`${app.url}/runs/new`);
    await page.getByRole('button', { name: 'Start run' }).waitFor();
    const formWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(formWidth <= 390, `the form is ${formWidth}px wide`);
    await screenshot(page, 'new-run-phone');
  });
});

test('the run type and plan filters keep only the runs of that kind and that plan, each row naming its plan', async () => {
  const savePlan = async (title) => {
    const saved = await app.api('/agents', 'POST', {
      json_definition: { title, workflow_definition: { parameters: [], blocks: [{ block_type: 'wait', label: 'pause', wait_sec: 0 }] } },
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    return saved.body.workflow_permanent_id;
  };
  const startPlan = async (planId) => {
    const started = await app.api('/run/agents', 'POST', { agent_id: planId, parameters: {} });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    return started.body.run_id;
  };
  const tide = await savePlan('Tide tables');
  const moon = await savePlan('Moon phases');
  const tideRun = await startPlan(tide);
  const moonRun = await startPlan(moon);
  const task = await codeRun({ title: 'Lighthouse check' });
  for (const runId of [tideRun, moonRun, task]) await app.waitForStatus(runId, ['completed']);

  await withBrowser({}, async ({ page }) => {
    await signIn(page, app);
    const finished = group(page, 'Finished');
    await finished.getByRole('link', { name: 'Lighthouse check' }).waitFor();

    await page.getByLabel('Run type').selectOption('plan');
    await page.waitForURL(/type=plan/);
    await finished.getByRole('link', { name: 'Lighthouse check' }).waitFor({ state: 'detached' });
    assert.ok((await finished.locator(`a[href="/runs/${moonRun}"]`).count()) > 0, 'plan runs stay');

    await page.getByLabel('Plan').selectOption({ label: 'Tide tables' });
    await page.waitForURL(new RegExp(`plan=${tide}`));
    await finished.locator(`a[href="/runs/${moonRun}"]`).waitFor({ state: 'detached' });
    assert.ok((await finished.locator(`a[href="/runs/${tideRun}"]`).count()) > 0, 'the plan’s run stays');
    assert.ok((await finished.getByRole('link', { name: 'Tide tables' }).count()) > 0, 'the row names its plan');
    await screenshot(page, 'runs-plan-filter');
    await assertAccessible(page, 'runs page filtered by plan');

    await page.reload();
    assert.equal(await page.getByLabel('Plan').inputValue(), tide, 'the filter survives a reload');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await finished.getByRole('link', { name: 'Lighthouse check' }).waitFor();
  });
});
