// Plans: writing one in the editor (a refusal placed on its line, then saved), the list, running
// a plan with a loop, a branch and an agent block from the UI with parameters, its steps as a
// graph with iterations, retries, a Gantt strip, tokens and the execution trace; and schedules.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, elementId, openBrowser, scriptedModel, screenshot, serveFixtures, signIn, startAppliance } from './harness.mjs';

let app;
let fixtures;
let model;
let calls = 0;

before(async () => {
  fixtures = await serveFixtures();
  // The first attempt of the agent block gets two unreadable answers (it fails); the retry reads the page.
  model = await scriptedModel((prompt) => {
    calls += 1;
    if (calls <= 2) return 'this is not an answer';
    return { reasoning: 'The heading names the city', actions: [{ action: 'extract', fields: { heading: elementId(prompt, 'Flights to') } }, { action: 'complete' }] };
  });
  app = await startAppliance({ ...model.settings });
});

after(async () => {
  await app?.stop();
  await model?.close();
  await fixtures?.close();
});

/** The plan text with a mistake: the third block's url names a parameter the plan does not have. */
function editorPlan(url) {
  return JSON.stringify(
    {
      title: 'Editor plan',
      workflow_definition: {
        parameters: [{ parameter_type: 'workflow', key: 'site', workflow_parameter_type: 'string', default_value: 'https://example.com' }],
        blocks: [
          { block_type: 'goto_url', label: 'open_site', url: '{{ site }}' },
          { block_type: 'wait', label: 'pause', wait_sec: 1 },
          { block_type: 'goto_url', label: 'open_other', url },
        ],
      },
    },
    null,
    2,
  );
}

/** The 1-based line of the first line of `text` that contains `needle`. */
function lineOf(text, needle) {
  return text.split('\n').findIndex((line) => line.includes(needle)) + 1;
}

test('a plan written in the editor: a refusal on its line, a syntax error, then saved, listed and previewed', async () => {
  const { page, close } = await openBrowser();
  await signIn(page, app);
  await page.goto(`${app.url}/plans`);
  await page.getByRole('heading', { name: 'Plans', level: 1 }).waitFor();
  await page.getByText('No plans yet').waitFor();
  await page.getByRole('link', { name: 'New plan' }).click();
  await page.getByRole('heading', { name: 'New plan', level: 1 }).waitFor();

  // A JSON syntax error is shown on its line before anything is sent.
  const editor = page.getByLabel('Plan definition (JSON)');
  const broken = '{\n  "title": "x",\n  "workflow_definition": {"blocks": [1, 2,]}\n}';
  await editor.fill(broken);
  const problems = page.getByRole('list', { name: 'Problems in the plan' });
  await problems.getByRole('button', { name: 'Line 3' }).waitFor();
  assert.match(await problems.innerText(), /trailing commas/);

  // The appliance refuses the unknown name; the problem sits on the line of that url.
  const wrong = editorPlan('{{ missing_site }}/other');
  await editor.fill(wrong);
  await page.getByRole('list', { name: 'Blocks of the plan (preview)' }).waitFor();
  await page.getByRole('button', { name: 'Create plan' }).click();
  const line = lineOf(wrong, 'missing_site');
  assert.ok(line > 20, 'the url is deep in the text');
  await problems.getByRole('button', { name: `Line ${line}` }).waitFor();
  assert.match(await problems.innerText(), /workflow_definition\.blocks\.2\.url/);
  assert.match(await problems.innerText(), /missing_site/);
  assert.equal(await page.locator(`.gutter-line.bad[data-line="${line}"]`).count(), 1, 'the gutter marks that line');
  assert.equal(await page.locator('.gutter-line.bad').count(), 1, 'and no other');
  // The problem's button puts the caret on that line.
  await problems.getByRole('button', { name: `Line ${line}` }).click();
  const caretLine = await editor.evaluate((el) => el.value.slice(0, el.selectionStart).split('\n').length);
  assert.equal(caretLine, line);
  await screenshot(page, 'plans-editor-error');
  await assertAccessible(page, 'plan editor with an error');

  // Fixed and saved: the plan gets its id and version 1.
  await editor.fill(editorPlan('{{ site }}/other'));
  assert.equal(await problems.count(), 0, 'editing clears the refusal');
  await page.getByRole('button', { name: 'Create plan' }).click();
  await page.getByRole('status').filter({ hasText: 'Created' }).waitFor();
  await page.waitForURL(/\/plans\/wpid_/);
  await page.getByRole('heading', { name: 'Plan: Editor plan' }).waitFor();
  // The preview graph shows the three blocks, none run.
  const preview = page.getByRole('list', { name: 'Blocks of the plan (preview)' });
  for (const label of ['open_site', 'pause', 'open_other']) await preview.getByRole('article', { name: `${label}: not run` }).waitFor();
  assert.equal(await preview.getByRole('listitem').count(), 3);
  assert.ok((await page.locator('.dag-edge').count()) >= 2, 'edges join the blocks');
  await page.getByRole('list', { name: 'Versions of this plan' }).getByText('Version 1').waitFor();
  await screenshot(page, 'plans-editor-saved');
  await assertAccessible(page, 'plan editor');

  // A second save is version 2; version 1 can still be viewed.
  await editor.fill(editorPlan('{{ site }}/second'));
  await page.getByRole('button', { name: 'Save new version' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved as version 2' }).waitFor();
  await page.getByRole('button', { name: 'View version 1' }).click();
  const version = page.getByRole('dialog', { name: /Version 1 of Editor plan/ });
  await version.waitFor();
  assert.match(await version.getByLabel('Definition of version 1').innerText(), /\/other/);
  await assertAccessible(page, 'version dialog');
  await version.getByRole('button', { name: 'Load into the editor' }).click();
  assert.match(await editor.inputValue(), /\{\{ site \}\}\/other/);

  // Switching to YAML keeps the plan and the preview.
  await page.getByRole('button', { name: 'YAML' }).click();
  const yaml = page.getByLabel('Plan definition (YAML)');
  assert.match(await yaml.inputValue(), /^title: Editor plan$/m);
  await preview.getByRole('article', { name: 'open_other: not run' }).waitFor();
  // A refusal of YAML text lands on its YAML line too.
  const yamlText = (await yaml.inputValue()).replace('{{ site }}/other', '{{ nowhere }}/other');
  await yaml.fill(yamlText);
  await page.getByRole('button', { name: 'Save new version' }).click();
  const yamlLine = lineOf(yamlText, 'nowhere');
  await problems.getByRole('button', { name: `Line ${yamlLine}` }).waitFor();
  assert.match(await problems.innerText(), /nowhere/);
  await yaml.fill(yamlText.replace('{{ nowhere }}', '{{ site }}'));
  await page.getByRole('button', { name: 'Save new version' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved as version 3' }).waitFor();

  // The list shows it with its version and block count; the search finds it by title.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Plans' }).click();
  const row = page.getByRole('row', { name: /Editor plan/ });
  await row.waitFor();
  assert.equal(await row.getByRole('cell').nth(1).innerText(), 'v3');
  assert.equal(await row.getByRole('cell').nth(3).innerText(), '3', 'three blocks');
  await page.getByLabel('Search titles').fill('nothing like it');
  await page.getByText('No plan\u2019s title contains').waitFor();
  await page.getByLabel('Search titles').fill('editor');
  await row.waitFor();
  await screenshot(page, 'plans-list');
  await assertAccessible(page, 'plans list');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'plans-list-phone');
  await row.getByRole('link', { name: 'Edit Editor plan' }).click();
  await page.getByLabel('Plan definition (JSON)').waitFor();
  await screenshot(page, 'plans-editor-phone');
  await assertAccessible(page, 'plan editor (phone)');
  // The refusal is the answer the test asked for; the browser logs it.
  await close({ allowErrors: [/status of 422/] });
});

const LOOP_PLAN = {
  title: 'Loop, branch and agent',
  workflow_definition: {
    parameters: [
      { parameter_type: 'workflow', key: 'cities', workflow_parameter_type: 'json' },
      { parameter_type: 'workflow', key: 'count', workflow_parameter_type: 'integer', default_value: 7 },
      { parameter_type: 'workflow', key: 'site', workflow_parameter_type: 'string' },
    ],
    blocks: [
      {
        block_type: 'for_loop',
        label: 'each_city',
        next_block_label: 'size',
        loop_over_parameter_key: 'cities',
        loop_blocks: [{ block_type: 'code', label: 'pause_per_city', code: [{ action: 'wait', ms: 150 }] }],
      },
      {
        block_type: 'conditional',
        label: 'size',
        next_block_label: 'read',
        branch_conditions: [
          { criteria: { expression: '{{ count > 5 }}' }, next_block_label: 'big' },
          { is_default: true, next_block_label: 'small' },
        ],
      },
      { block_type: 'wait', label: 'big', wait_sec: 0, next_block_label: 'read' },
      { block_type: 'wait', label: 'small', wait_sec: 0, next_block_label: 'read' },
      {
        block_type: 'extraction',
        label: 'read',
        url: '{{ site }}/results.html?q=Rome',
        data_extraction_goal: 'Read the heading',
        data_schema: { type: 'object', properties: { heading: { type: 'string' } } },
        max_retries: 1,
      },
    ],
  },
};

test('a plan run from the UI with parameters: loop items, the branch taken, retries, Gantt, tokens and the trace', async () => {
  const created = await app.api('/agents', 'POST', { json_definition: LOOP_PLAN });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const { page, close } = await openBrowser();
  await signIn(page, app);
  await page.goto(`${app.url}/plans`);
  await page.getByRole('button', { name: 'Run Loop, branch and agent' }).click();
  const dialog = page.getByRole('dialog', { name: 'Run Loop, branch and agent' });
  await dialog.waitFor();
  // Type-aware fields: a JSON list, a number with its default, a text.
  assert.equal(await dialog.getByLabel('count').getAttribute('type'), 'number');
  assert.equal(await dialog.getByLabel('count').inputValue(), '7');
  await dialog.getByRole('button', { name: 'Start run' }).click();
  await dialog.getByText('A value is needed').first().waitFor();
  await dialog.getByLabel('cities').fill('["Paris", "Rome"');
  await dialog.getByLabel('site').fill(fixtures.url);
  await dialog.getByRole('button', { name: 'Start run' }).click();
  await dialog.getByText('Not valid JSON').waitFor();
  await screenshot(page, 'plan-run-dialog');
  await assertAccessible(page, 'run dialog');
  await dialog.getByLabel('cities').fill('["Paris", "Rome", "Oslo"]');
  await dialog.getByRole('button', { name: 'Start run' }).click();
  await page.waitForURL(/\/runs\/wr_[^/]+\/live$/);
  const runId = page.url().match(/\/runs\/(wr_[^/]+)\/live/)[1];
  const run = await app.waitForStatus(runId, ['completed', 'failed', 'terminated']);
  assert.equal(run.status, 'completed', JSON.stringify(run));
  assert.deepEqual(run.run_request.parameters.cities, ['Paris', 'Rome', 'Oslo'], 'the JSON parameter went as a list');

  await page.goto(`${app.url}/runs/${runId}?tab=steps`);
  const graph = page.getByRole('list', { name: 'Blocks of the plan' });
  await graph.waitFor();
  // The loop with its three items.
  const items = page.getByRole('list', { name: 'Iterations of each_city' }).getByRole('listitem').filter({ hasText: /^#\d/ });
  await items.first().waitFor();
  assert.equal(await items.count(), 3);
  assert.match(await items.nth(1).innerText(), /Rome/);
  // The branch: count 7 takes "big"; "small" is skipped and hidden behind a note.
  await graph.getByRole('article', { name: 'big: completed' }).waitFor();
  assert.equal(await graph.getByRole('article', { name: /^small:/ }).count(), 0, 'the skipped block is not drawn');
  await page.getByText('1 skipped block').waitFor();
  await page.getByRole('button', { name: 'Show skipped' }).click();
  await graph.getByRole('article', { name: 'small: skipped' }).waitFor();
  await page.getByRole('button', { name: 'Hide skipped' }).click();
  assert.equal(await graph.getByRole('article', { name: /^small:/ }).count(), 0);
  // The agent block's retry: attempt 1 failed, attempt 2 completed.
  const read = graph.getByRole('article', { name: 'read: completed' });
  const attempts = read.getByRole('list', { name: 'Attempts of read' });
  assert.match(await attempts.innerText(), /Attempt 1\s*failed[\s\S]*Attempt 2\s*completed/);
  assert.match(await read.innerText(), /test-model/);
  assert.match(await read.innerText(), /Flights to Rome/);
  // The Gantt strip: a row per step run (loop items included), each with bars.
  const gantt = page.getByRole('list', { name: 'Step runs over time' });
  assert.ok((await gantt.getByRole('listitem').count()) >= 6, 'loop, 3 items, branch, big, read');
  assert.ok((await page.locator('.gantt-bar').count()) >= 7, 'read has two bars');
  assert.ok((await page.locator('.gantt-tick').count()) >= 2, 'a time axis');
  await page.getByText('Times of each step run').click();
  const times = page.getByRole('row', { name: /^read 1 failed/ });
  await times.waitFor();
  await page.getByRole('row', { name: /^read 2 completed/ }).waitFor();
  // Tokens: 3 model calls of 100 in (20 cached) and 10 out.
  const totals = page.locator('.run-totals');
  assert.match(await totals.innerText(), /Input tokens\s*300/);
  assert.match(await totals.innerText(), /Cached tokens\s*60/);
  assert.match(await totals.innerText(), /Output tokens\s*30/);
  const total = page.getByRole('row', { name: /^Total/ });
  assert.match(await total.innerText(), /300\s+60\s+30\s+\$0/);
  await screenshot(page, 'plan-run-view');
  await assertAccessible(page, 'plan run view');

  // The trace of the agent block, opened by keyboard: the newest attempt first.
  await read.getByRole('button', { name: "read: open the step's trace" }).focus();
  await page.keyboard.press('Enter');
  const trace = page.getByRole('dialog', { name: 'Trace of read' });
  await trace.waitFor();
  assert.match(await trace.getByLabel('System prompt').innerText(), /You are a web agent/);
  await trace.getByRole('heading', { name: 'Turns (1)' }).waitFor();
  assert.match(await trace.locator('.turn-tokens').first().innerText(), /Input 100\s+Cached 20\s+Output 10/);
  assert.match(await trace.innerText(), /extract/);
  assert.equal(await trace.getByRole('button', { name: 'Attempt 2: completed' }).getAttribute('aria-pressed'), 'true');
  await screenshot(page, 'plan-run-trace');
  await assertAccessible(page, 'trace dialog');
  // The failed attempt's own trace: two unreadable answers.
  await trace.getByRole('button', { name: 'Attempt 1: failed' }).click();
  await trace.getByRole('heading', { name: 'Turns (2)' }).waitFor();
  assert.match(await trace.innerText(), /Failure:/);
  await page.keyboard.press('Escape');
  await trace.waitFor({ state: 'hidden' });

  // A code block in the loop opens its step, which called no model.
  await page.getByRole('button', { name: "pause_per_city, item 2: open the step's trace" }).click();
  const codeTrace = page.getByRole('dialog', { name: 'Trace of pause_per_city' });
  await codeTrace.getByText('No model was called').waitFor();
  await page.keyboard.press('Escape');

  // At a phone's width.
  await page.setViewportSize({ width: 390, height: 844 });
  await graph.getByRole('article', { name: 'read: completed' }).waitFor();
  await screenshot(page, 'plan-run-view-phone');
  await assertAccessible(page, 'plan run view (phone)');
  await close();
});

test('the steps view follows a run as it goes, without a reload', async () => {
  const plan = {
    title: 'Slow loop',
    workflow_definition: {
      parameters: [{ parameter_type: 'workflow', key: 'items', workflow_parameter_type: 'json', default_value: [1, 2, 3] }],
      blocks: [
        { block_type: 'for_loop', label: 'slow', loop_over_parameter_key: 'items', loop_blocks: [{ block_type: 'wait', label: 'nap', wait_sec: 1 }] },
        { block_type: 'wait', label: 'done', wait_sec: 0 },
      ],
    },
  };
  const created = await app.api('/agents', 'POST', { json_definition: plan });
  const { page, close } = await openBrowser();
  await signIn(page, app);
  const started = await app.api('/run/agents', 'POST', { agent_id: created.body.workflow_permanent_id, parameters: {} });
  const runId = started.body.run_id;
  await page.goto(`${app.url}/runs/${runId}?tab=steps`);
  const graph = page.getByRole('list', { name: 'Blocks of the plan' });
  await graph.getByRole('article', { name: 'done: pending' }).waitFor();
  await page.evaluate(() => (window.__samePage = true));
  await graph.getByRole('article', { name: 'done: completed' }).waitFor({ timeout: 30_000 });
  await page.locator('.run-totals').getByText('completed').waitFor();
  assert.equal(await page.getByRole('list', { name: 'Iterations of slow' }).getByRole('listitem').filter({ hasText: /^#\d/ }).count(), 3);
  assert.equal(await page.evaluate(() => window.__samePage), true, 'no reload');
  await close();
});

test('a schedule of a plan is created, listed, disabled and deleted', async () => {
  const created = await app.api('/agents', 'POST', { json_definition: { ...LOOP_PLAN, title: 'Scheduled plan' } });
  const planId = created.body.workflow_permanent_id;
  const { page, close } = await openBrowser();
  await signIn(page, app);
  await page.goto(`${app.url}/plans/${planId}`);
  const section = page.getByRole('region', { name: 'Schedules' });
  await section.getByText('No schedules').waitFor();
  await section.getByLabel('Cron expression').fill('* * * * *');
  await section.getByLabel('Time zone').fill('Europe/Paris');
  await section.getByLabel('cities').fill('["Lima"]');
  await section.getByLabel('site').fill('https://example.com');
  await section.getByRole('button', { name: 'Add schedule' }).click();
  await section.getByRole('alert').getByText('at least 5 minutes').waitFor();
  await section.getByLabel('Cron expression').fill('30 8 * * 1-5');
  await section.getByRole('button', { name: 'Add schedule' }).click();
  const row = section.getByRole('row', { name: /30 8 \* \* 1-5/ });
  await row.waitFor();
  assert.match(await row.innerText(), /Europe\/Paris/);
  assert.match(await row.innerText(), /enabled/);
  assert.match(await row.innerText(), /Lima/);
  const listed = await app.api(`/agents/${planId}/schedules`);
  assert.equal(listed.body.schedules.length, 1);
  assert.deepEqual(listed.body.schedules[0].parameters.cities, ['Lima']);
  await screenshot(page, 'plan-schedules');
  await assertAccessible(page, 'plan schedules');

  await row.getByRole('button', { name: /^Disable/ }).click();
  await row.getByText('disabled').waitFor();
  assert.equal((await app.api(`/agents/${planId}/schedules`)).body.schedules[0].enabled, false);

  await row.getByRole('button', { name: /^Delete/ }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete this schedule?' });
  await confirm.getByRole('button', { name: 'Delete schedule' }).click();
  await section.getByText('No schedules').waitFor();
  assert.equal((await app.api(`/agents/${planId}/schedules`)).body.schedules.length, 0);
  // The refused schedule is the answer the test asked for; the browser logs it.
  await close({ allowErrors: [/status of 400/] });
});
