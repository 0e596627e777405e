// Every screen, with data in it, on a laptop and on a phone: axe-core finds no serious or critical
// violation, nothing is logged in the console, and each leaves a screenshot. The keyboard alone
// reaches and follows the navigation.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, openBrowser, screenshot, serveFixtures, signIn, startAppliance } from './harness.mjs';

let app;
let fixtures;
const ids = {};

before(async () => {
  fixtures = await serveFixtures();
  app = await startAppliance();
  const run = await app.api('/run/tasks', 'POST', {
    prompt: 'read the title',
    url: `${fixtures.url}/small.html`,
    engine: 'code',
    script: [{ action: 'extract', fields: { title: 'h1' } }],
  });
  assert.equal(run.status, 200, JSON.stringify(run.body));
  ids.run = run.body.run_id;
  await app.waitForStatus(ids.run, ['completed', 'failed']);
  const plan = await app.api('/agents', 'POST', {
    json_definition: {
      title: 'Open the small page',
      workflow_definition: { parameters: [], blocks: [{ block_type: 'goto_url', label: 'open', url: `${fixtures.url}/small.html` }] },
    },
  });
  assert.equal(plan.status, 200, JSON.stringify(plan.body));
  ids.plan = plan.body.workflow_permanent_id;
  const session = await app.api('/browser_sessions', 'POST', { url: `${fixtures.url}/small.html`, timeout: 10 });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  ids.session = session.body.browser_session_id;
});

after(async () => {
  await app?.stop();
  await fixtures?.close();
});

const screens = () => [
  ['runs', '/'],
  ['new-run', '/runs/new'],
  ['run-detail', `/runs/${ids.run}`],
  ['live-execution', `/runs/${ids.run}/live`],
  ['plans', '/plans'],
  ['new-plan', '/plans/new'],
  ['plan', `/plans/${ids.plan}`],
  ['sessions', '/sessions'],
  ['session', `/sessions/${ids.session}`],
  ['credentials', '/credentials'],
  ['settings', '/settings'],
  ['api', '/api'],
  ['not-found', '/no/such/screen'],
];

for (const [device, viewport] of [
  ['laptop', { width: 1366, height: 900 }],
  ['phone', { width: 390, height: 844 }],
]) {
  test(`every screen passes axe-core on a ${device}, with no console error`, async () => {
    const { page, close } = await openBrowser({ viewport });
    await signIn(page, app);
    for (const [name, path] of screens()) {
      await page.goto(`${app.url}${path}`);
      await page.locator('main h1').first().waitFor();
      await page.waitForLoadState('networkidle').catch(() => undefined);
      await assertAccessible(page, `${name} (${device})`);
      await screenshot(page, `every-screen-${device}-${name}`);
    }
    await close();
  });
}

test('the keyboard alone reaches the navigation and follows a link', async () => {
  const { page, close } = await openBrowser();
  await signIn(page, app);
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.textContent)) === 'Plans') break;
  }
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Plans');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/plans$/);
  assert.equal(await page.getByRole('link', { name: 'Plans' }).getAttribute('aria-current'), 'page');
  await close();
});
