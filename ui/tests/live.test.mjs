// The live execution screen: frames of the run's page, Take control (a click on the picture
// reaches the page) and Stop controlling, the frame rate of an animated page, Cancel behind a
// confirmation, and Approve / Reject of a plan waiting for review.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, elementId, openBrowser, screenshot, scriptedModel, serveFixtures, signIn, startAppliance } from './harness.mjs';

let app;
let fixtures;
let model;
before(async () => {
  fixtures = await serveFixtures();
  // An agent that asks a person for a code, types the answer and reads the result.
  model = await scriptedModel((prompt) => {
    if (prompt.includes('searched ')) {
      return { reasoning: 'The search ran; I read the result.', actions: [{ action: 'extract', fields: { result: elementId(prompt, 'searched ') } }, { action: 'complete' }] };
    }
    const answered = prompt.split('\n').find((line) => line.includes('they answered:'));
    if (answered) {
      const code = answered.split(': ').at(-1).trim();
      return {
        reasoning: `The person gave the code ${code}; I type it and search.`,
        actions: [
          { action: 'fill', element: elementId(prompt, 'input'), text: code, intent: 'type the code' },
          { action: 'click', element: elementId(prompt, '"Search"'), intent: 'send the code' },
        ],
      };
    }
    return { reasoning: 'I need the code the phone received; only the person has it.', actions: [{ action: 'ask_user', question: 'Which code did your phone receive?' }] };
  });
  app = await startAppliance(model.settings);
});
after(async () => {
  await app?.stop();
  await model?.close();
  await fixtures?.close();
});

/** Opens a browser for `fn(page)`; closes it whatever happens (asserting no console errors on success). */
async function withBrowser(name, fn, options) {
  const browser = await openBrowser(options);
  let passed = false;
  try {
    await signIn(browser.page, app);
    await fn(browser.page);
    passed = true;
  } finally {
    if (passed) await browser.close();
    else {
      await screenshot(browser.page, `failed-${name}`).catch(() => undefined);
      console.log('console errors:', browser.errors);
      await browser.browser.close();
    }
  }
}

async function codeRun(page, script) {
  const { status, body } = await app.api('/run/tasks', 'POST', { url: `${fixtures.url}/${page}`, prompt: `Watch ${page}`, engine: 'code', script });
  assert.equal(status, 200, JSON.stringify(body));
  return body.run_id;
}

/** Where the fixture's `#target` button (centred at 200,150 of a 1280x720 page) is on the picture. */
async function targetOnPicture(picture) {
  const box = await picture.boundingBox();
  const { width, height } = await picture.evaluate((img) => ({ width: img.naturalWidth, height: img.naturalHeight }));
  const scale = Math.min(box.width / width, box.height / height);
  const left = box.x + (box.width - width * scale) / 2;
  const top = box.y + (box.height - height * scale) / 2;
  return { x: left + 200 * scale, y: top + 150 * scale };
}

test('a person watches the run live, takes control, clicks the page through the picture and hands back', async () => {
  const runId = await codeRun('control.html', [
    { action: 'wait_for_text', text: 'clicked by a person', timeout_ms: 30000 },
    { action: 'extract', fields: { clicks: '#clicks', traps: '#traps', trusted: '#trusted' } },
  ]);
  await withBrowser('live-control', async (page) => {
  await page.goto(`${app.url}/runs/${runId}/live`);
  await page.getByRole('heading', { name: 'Configuration' }).waitFor();
  const picture = page.getByRole('img', { name: /The page at .*control\.html/ });
  await picture.waitFor();
  assert.ok(await picture.evaluate((img) => img.naturalWidth > 0), 'the frame is drawn');
  assert.match(await page.locator('.live-config').innerText(), /control\.html/);
  assert.match(await page.locator('.live-config').innerText(), /Watch control\.html/);
  await page.getByRole('log', { name: 'Thoughts and actions' }).getByText(/go to .*control\.html/).waitFor();
  await assertAccessible(page, 'live execution');
  await screenshot(page, 'live-running');

  await page.getByRole('button', { name: 'Take control' }).click();
  await page.getByRole('button', { name: 'Stop controlling' }).waitFor();
  assert.match(await page.getByRole('status').filter({ hasText: 'You hold control' }).innerText(), /paused until you stop/);
  await app.waitForStatus(runId, ['paused']);
  await page.locator('.live-config').getByText('paused').waitFor();
  await screenshot(page, 'live-controlling');

  const { x, y } = await targetOnPicture(picture);
  await page.mouse.click(x, y);
  // The page shows the click before control is handed back.
  // A while for the click to land: the run must stay paused all along (nothing to wait for).
  await new Promise((done) => setTimeout(done, 800));
  assert.equal((await app.api(`/runs/${runId}`)).body.status, 'paused', 'the run waits while the person holds control');
  // Keys go to the page while controlling; Shift+Escape leads out to the button, which Enter presses.
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('screen')), true, 'the picture has the focus');
  await page.keyboard.press('Shift+Escape');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Stop controlling');
  await page.keyboard.press('Enter');

  const run = await app.waitForStatus(runId, ['completed', 'failed', 'timed_out']);
  assert.equal(run.status, 'completed', JSON.stringify(run));
  assert.equal(run.output.clicks, '1', 'the click on the picture reached the run page');
  assert.equal(run.output.traps, '0');
  assert.equal(run.output.trusted, 'true', 'as a real input event');
  await page.getByText('The run ended').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Take control' }).count(), 0, 'no control once the run ended');
  await page.getByRole('log', { name: 'Thoughts and actions' }).getByText('configured key took control').waitFor();
  await page.getByRole('link', { name: "Open the run's details" }).waitFor();
  await page.locator('video').waitFor();
  await assertAccessible(page, 'live execution, ended');
  await screenshot(page, 'live-ended');
  await page.getByRole('link', { name: "Open the run's details" }).click();
  await page.waitForURL(`${app.url}/runs/${runId}`);
  });
});

test('the live picture of an animated page is redrawn many times a second, and Cancel asks first', async () => {
  const runId = await codeRun('animated.html', [{ action: 'wait', ms: 60000 }]);
  await withBrowser('live-animated', async (page) => {
  await page.goto(`${app.url}/runs/${runId}/live`);
  await page.getByRole('img', { name: /The page at .*animated\.html/ }).waitFor();
  const pictures = await page.evaluate(
    () =>
      new Promise((done) => {
        let n = 0;
        const img = document.querySelector('.screen img');
        new MutationObserver(() => n++).observe(img, { attributes: true, attributeFilter: ['src'] });
        setTimeout(() => done(n), 2000);
      }),
  );
  assert.ok(pictures >= 10, `the picture was redrawn ${pictures} times in 2 s`);

  await page.getByRole('button', { name: 'Cancel' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel this run?' });
  await dialog.waitFor();
  await assertAccessible(page, 'cancel dialog');
  await screenshot(page, 'live-cancel-dialog');
  await dialog.getByRole('button', { name: 'Keep it' }).click();
  await dialog.waitFor({ state: 'hidden' });
  // A while in which a cancel would have gone through: the run must stay running.
  await new Promise((done) => setTimeout(done, 500));
  assert.equal((await app.api(`/runs/${runId}`)).body.status, 'running', 'dismissed: the run still runs');

  await page.getByRole('button', { name: 'Cancel' }).click();
  await dialog.getByRole('button', { name: 'Cancel the run' }).click();
  const run = await app.waitForStatus(runId, ['canceled', 'completed', 'failed']);
  assert.equal(run.status, 'canceled');
  await page.getByText('The run ended').waitFor();
  await page.locator('.live-config .badge', { hasText: 'canceled' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Cancel' }).count(), 0, 'nothing left to cancel');
  await screenshot(page, 'live-canceled');
  });
});

async function approvalPlan() {
  const { status, body } = await app.api('/agents', 'POST', {
    json_definition: {
      title: 'Sign off the totals',
      workflow_definition: {
        parameters: [],
        blocks: [
          { block_type: 'human_interaction', label: 'sign_off', instructions: 'Check the totals', timeout_seconds: 600 },
          { block_type: 'wait', label: 'after', wait_sec: 0 },
        ],
      },
    },
  });
  assert.equal(status, 200, JSON.stringify(body));
  return body.workflow_permanent_id;
}

async function runPlan(planId) {
  const { status, body } = await app.api('/run/agents', 'POST', { agent_id: planId, parameters: {} });
  assert.equal(status, 200, JSON.stringify(body));
  return body.run_id;
}

test('a plan run waiting for review is approved from the live screen and goes on; another is rejected with a comment', async () => {
  const planId = await approvalPlan();
  const approved = await runPlan(planId);
  await app.waitForStatus(approved, ['review_required']);
  await withBrowser('live-review', async (page) => {
  await page.goto(`${app.url}/runs/${approved}/live`);
  const review = page.getByRole('region', { name: 'Approval required' });
  await review.waitFor();
  assert.match(await review.innerText(), /Check the totals/);
  await page.locator('.live-config').getByText('Check the totals').waitFor();
  assert.match(await page.locator('.live-config').innerText(), /sign_off \(running\)/);
  await assertAccessible(page, 'live execution, review required');
  await screenshot(page, 'live-review');
  await review.getByLabel('Comment').fill('Totals match');
  await review.getByRole('button', { name: 'Approve' }).click();
  assert.equal((await app.waitForStatus(approved, ['completed', 'failed', 'terminated'])).status, 'completed');
  await page.getByText('The run ended').waitFor();
  await page.locator('.live-exec-head .badge', { hasText: 'completed' }).waitFor();

  const rejected = await runPlan(planId);
  await app.waitForStatus(rejected, ['review_required']);
  await page.goto(`${app.url}/runs/${rejected}/live`);
  await review.waitFor();
  await review.getByLabel('Comment').fill('The totals are wrong');
  await review.getByRole('button', { name: 'Reject' }).click();
  const run = await app.waitForStatus(rejected, ['completed', 'failed', 'terminated']);
  assert.equal(run.status, 'terminated');
  await page.getByText('The run ended').waitFor();
  await page.getByText(/The totals are wrong/).first().waitFor();
  await screenshot(page, 'live-rejected');
  });
});

test('a run waiting for a person shows its question; the answer sent from the live screen lets it go on', async () => {
  const { status, body } = await app.api('/run/tasks', 'POST', { url: `${fixtures.url}/small.html`, prompt: 'Enter the code' });
  assert.equal(status, 200, JSON.stringify(body));
  const runId = body.run_id;
  await withBrowser(
    'live-question',
    async (page) => {
      await page.goto(`${app.url}/runs/${runId}/live`);
      const ask = page.getByRole('form', { name: 'The agent asks you' });
      // The question is on the run's timeline, which may arrive just after its status.
      await ask.getByText('Which code did your phone receive?').waitFor();
      const log = page.getByRole('log', { name: 'Thoughts and actions' });
      await log.getByText('only the person has it').waitFor();
      assert.match(await log.innerText(), /Decision/);
      await ask.getByRole('button', { name: 'Send the answer' }).click();
      await ask.getByRole('alert').filter({ hasText: 'Write an answer first.' }).waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `nothing runs off a phone's screen (${overflow}px)`);
      await assertAccessible(page, 'live execution on a phone, asking');
      await screenshot(page, 'live-question-phone');
      await ask.getByLabel('Your answer').fill('246810');
      await ask.getByRole('button', { name: 'Send the answer' }).click();
      const run = await app.waitForStatus(runId, ['completed', 'failed', 'terminated', 'timed_out']);
      assert.equal(run.status, 'completed', JSON.stringify(run));
      assert.deepEqual(run.output, { result: 'searched 246810' });
      await page.getByText('The run ended').waitFor();
      await log.getByText('The person gave the code 246810').waitFor();
      await log.getByText(/#\d+ click/).waitFor();
      assert.equal(await ask.count(), 0, 'the question is gone once answered');
    },
    { viewport: { width: 390, height: 844 } },
  );
});
