// The admin screens: browser sessions (open, watch, drive, extend, save as profile, close),
// credentials (create without the values ever coming back, delete) and settings (API keys, the
// webhook secret, the model's connection test, the pool and disk).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { assertAccessible, openBrowser, screenshot, scriptedModel, serveFixtures, signIn, startAppliance } from './harness.mjs';

const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1366, height: 900 };

let app;
let fixtures;
let model;
before(async () => {
  fixtures = await serveFixtures();
  model = await scriptedModel(() => ({ reasoning: 'the connection test', actions: [] }));
  app = await startAppliance(model.settings);
});
after(async () => {
  await app?.stop();
  await fixtures?.close();
  await model?.close();
});

/** A screenshot at a phone's size, then back to the laptop's. */
async function phoneShot(page, name) {
  await page.setViewportSize(PHONE);
  await screenshot(page, name);
  await assertAccessible(page, name);
  await page.setViewportSize(LAPTOP);
}

test('a session is opened, listed, watched and driven; extended, saved as a profile and closed', async () => {
  const { page, close } = await openBrowser();
  await signIn(page, app);
  await page.getByRole('link', { name: 'Sessions', exact: true }).click();
  await page.getByRole('heading', { name: 'Browser sessions' }).waitFor();
  await page.getByText('No session is open.').waitFor();
  await page.getByText('No browser profiles yet').waitFor();
  await assertAccessible(page, 'sessions-empty');
  await screenshot(page, 'sessions-empty');

  // Open one on the fixture page that counts clicks.
  await page.getByRole('button', { name: 'Open a session' }).click();
  const dialog = page.getByRole('dialog', { name: 'Open a browser session' });
  await dialog.getByLabel('Start page').fill(`${fixtures.url}/control.html`);
  await dialog.getByLabel('Timeout (minutes)').fill('10');
  await assertAccessible(page, 'sessions-open-dialog');
  await screenshot(page, 'sessions-open-dialog');
  await dialog.getByRole('button', { name: 'Open session' }).click();
  await page.getByRole('status').filter({ hasText: 'is open' }).waitFor();
  const listed = (await app.api('/browser_sessions')).body;
  assert.equal(listed.length, 1);
  const id = listed[0].browser_session_id;
  const row = page.getByRole('row').filter({ hasText: id });
  await row.getByRole('link', { name: id }).waitFor();
  assert.match(await row.innerText(), /running/);
  assert.match(await row.innerText(), /10 min/);
  assert.match(await row.innerText(), /idle/);
  await assertAccessible(page, 'sessions-list');
  await screenshot(page, 'sessions-list');
  await phoneShot(page, 'sessions-list-phone');

  // Its page: the live picture of the fixture.
  await page.getByRole('link', { name: 'Watch and drive it' }).click();
  await page.getByRole('heading', { name: `Session ${id}` }).waitFor();
  const picture = page.getByRole('img', { name: /control\.html/ });
  await picture.waitFor();
  await page.getByText('No run holds the turn').waitFor();
  await page.getByText('No run on this session has downloaded a file.').waitFor();
  await assertAccessible(page, 'session-live');
  await screenshot(page, 'session-live');

  // Take control and click the fixture's button on the picture (page pixels 200, 150 of 1280x720).
  await page.getByRole('button', { name: 'Take control' }).click();
  await page.getByRole('button', { name: 'Stop controlling' }).waitFor();
  await page.getByText('You hold control').waitFor();
  const box = await picture.boundingBox();
  const shown = await picture.getAttribute('src');
  await picture.click({ position: { x: (box.width * 200) / 1280, y: (box.height * 150) / 720 } });
  // The page changed under the click, and a new frame shows it.
  await page.waitForFunction((old) => document.querySelector('.screen img')?.getAttribute('src') !== old, shown);
  await screenshot(page, 'session-live-controlling');
  await page.getByRole('button', { name: 'Stop controlling' }).click();
  await page.getByRole('button', { name: 'Take control' }).waitFor();

  // A run on the session reads the page as the person left it, and holds the turn meanwhile.
  const created = await app.api('/run/tasks', 'POST', {
    prompt: 'read the clicks',
    engine: 'code',
    browser_session_id: id,
    script: [{ action: 'wait', ms: 2500 }, { action: 'extract', fields: { clicks: '#clicks', trusted: '#trusted' } }],
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const runId = created.body.run_id;
  await page.getByRole('link', { name: runId }).waitFor();
  await screenshot(page, 'session-live-run-turn');
  const run = await app.waitForStatus(runId, ['completed', 'failed', 'canceled']);
  assert.equal(run.status, 'completed', JSON.stringify(run));
  assert.deepEqual(run.output, { clicks: '1', trusted: 'true' }, 'the click on the picture reached the page once');
  await page.getByText('No run holds the turn').waitFor();

  // The person's time at the wheel is recorded.
  for (let i = 0; i < 100 && (await app.api(`/browser_sessions/${id}`)).body.recordings.length === 0; i++) {
    await new Promise((done) => setTimeout(done, 100));
  }
  assert.equal((await app.api(`/browser_sessions/${id}`)).body.recordings.length, 1);

  // Extend: the timeout grows by the minutes asked for, and the page says so.
  assert.equal(await page.getByTestId('session-timeout').innerText(), '10 min');
  await page.getByRole('button', { name: `Extend ${id}` }).click();
  const extend = page.getByRole('dialog', { name: 'Extend the session' });
  await extend.getByLabel('More minutes').fill('15');
  await assertAccessible(page, 'session-extend-dialog');
  await screenshot(page, 'session-extend-dialog');
  await extend.getByRole('button', { name: 'Extend' }).click();
  await page.getByTestId('session-timeout').filter({ hasText: '25 min' }).waitFor();
  assert.equal((await app.api(`/browser_sessions/${id}`)).body.timeout, 25);
  await page.getByRole('heading', { name: /Recording 1/ }).waitFor();
  assert.equal(await page.locator('video').count(), 1);

  // Save its storage as a profile now.
  await page.getByLabel('Profile name').fill('Control page');
  await page.getByRole('button', { name: 'Save its storage now' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved as profile' }).waitFor();
  const profiles = (await app.api('/browser_profiles')).body;
  assert.deepEqual(profiles.map((p) => [p.name, p.source_id]), [['Control page', id]]);
  await assertAccessible(page, 'session-live-saved');
  await screenshot(page, 'session-live-saved');
  await phoneShot(page, 'session-live-phone');

  // Close, with a confirmation first: keeping it changes nothing.
  await page.getByRole('button', { name: `Close ${id}` }).click();
  const confirm = page.getByRole('dialog', { name: 'Close this session?' });
  await confirm.waitFor();
  await assertAccessible(page, 'session-close-dialog');
  await screenshot(page, 'session-close-dialog');
  await confirm.getByRole('button', { name: 'Keep it' }).click();
  await confirm.waitFor({ state: 'hidden' });
  assert.equal((await app.api(`/browser_sessions/${id}`)).body.status, 'running');
  await page.getByRole('button', { name: `Close ${id}` }).click();
  await confirm.getByRole('button', { name: 'Close session' }).click();
  await page.getByText('This session has ended (closed)').waitFor();
  assert.equal((await app.api(`/browser_sessions/${id}`)).body.status, 'closed');
  await screenshot(page, 'session-closed');

  // Back on the list: no open session; the profile is there, and is deleted after a confirmation.
  await page.getByRole('link', { name: 'Sessions', exact: true }).first().click();
  await page.getByText('No session is open.').waitFor();
  await page.getByText('Control page').waitFor();
  await page.getByRole('button', { name: 'Delete profile Control page' }).click();
  const confirmProfile = page.getByRole('dialog', { name: 'Delete this browser profile?' });
  await assertAccessible(page, 'profile-delete-dialog');
  await screenshot(page, 'profile-delete-dialog');
  await confirmProfile.getByRole('button', { name: 'Delete profile' }).click();
  await page.getByText('No browser profiles yet').waitFor();
  assert.deepEqual((await app.api('/browser_profiles')).body, []);
  await close();
});

test('a password credential is created, listed without its values, and deleted after a confirmation', async () => {
  const { page, close } = await openBrowser();
  await signIn(page, app);
  await page.getByRole('link', { name: 'Credentials' }).click();
  await page.getByRole('heading', { name: 'Credentials' }).waitFor();
  await page.getByText('No credentials yet.').waitFor();
  await assertAccessible(page, 'credentials-empty');
  await screenshot(page, 'credentials-empty');

  const password = 'Hunter2-very-secret-9f3a';
  const seed = 'JBSWY3DPEHPK3PXP';
  await page.getByRole('button', { name: 'Add a credential' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add a credential' });
  // Each type has its own form.
  await dialog.getByRole('radio', { name: 'Credit card' }).check();
  await dialog.getByLabel('Card number').waitFor();
  await assertAccessible(page, 'credentials-create-card');
  await screenshot(page, 'credentials-create-card');
  await dialog.getByRole('radio', { name: 'Secret' }).check();
  await dialog.getByLabel('Secret value').waitFor();
  await dialog.getByRole('radio', { name: 'Password' }).check();
  await dialog.getByLabel('Name', { exact: true }).fill('Example shop');
  await dialog.getByLabel('User name').fill('ada@example.org');
  await dialog.getByRole('textbox', { name: 'Password', exact: true }).fill(password);
  await dialog.getByLabel('TOTP secret (optional)').fill(seed);
  await assertAccessible(page, 'credentials-create-password');
  await screenshot(page, 'credentials-create-password');
  await dialog.getByRole('button', { name: 'Save credential' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved Example shop' }).waitFor();
  await dialog.waitFor({ state: 'hidden' });

  const [stored] = (await app.api('/credentials')).body;
  assert.equal(stored.name, 'Example shop');
  assert.equal(stored.credential.username, 'ada@example.org');
  const row = page.getByRole('row').filter({ hasText: stored.credential_id });
  await row.waitFor();
  const text = await row.innerText();
  assert.match(text, /Example shop/);
  assert.match(text, /Password/);
  assert.match(text, /ada@example\.org/);
  assert.ok(text.includes(`{{credential.${stored.credential_id}.password}}`), text);
  const html = await page.content();
  assert.ok(!html.includes(password), 'the password is nowhere in the page');
  assert.ok(!html.includes(seed), 'the TOTP seed is nowhere in the page');
  // Opening the form again shows empty fields: nothing was kept.
  await page.getByRole('button', { name: 'Add a credential' }).click();
  assert.equal(await dialog.getByRole('textbox', { name: 'Password', exact: true }).inputValue(), '');
  assert.equal(await dialog.getByLabel('Name', { exact: true }).inputValue(), '');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.ok(!(await page.content()).includes(password));
  await assertAccessible(page, 'credentials-list');
  await screenshot(page, 'credentials-list');
  await phoneShot(page, 'credentials-list-phone');

  // A refused create names the field and keeps the dialog open.
  await page.getByRole('button', { name: 'Add a credential' }).click();
  await dialog.getByRole('radio', { name: 'Credit card' }).check();
  await dialog.getByLabel('Name', { exact: true }).fill('Bad card');
  for (const [label, value] of [['Name on the card', 'Ada'], ['Card number', 'not digits'], ['Expiry month', '07'], ['Expiry year', '2030'], ['Security code (CVV)', '123'], ['Brand', 'Visa']]) {
    await dialog.getByLabel(label).fill(value);
  }
  await dialog.getByRole('button', { name: 'Save credential' }).click();
  await dialog.getByRole('alert').filter({ hasText: 'card_number' }).waitFor();
  assert.ok(!(await dialog.getByRole('alert').innerText()).includes('{'), 'no raw JSON');
  await screenshot(page, 'credentials-create-refused');
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  await row.getByRole('button', { name: 'Delete Example shop' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete this credential?' });
  await assertAccessible(page, 'credentials-delete-dialog');
  await screenshot(page, 'credentials-delete-dialog');
  await confirm.getByRole('button', { name: 'Delete credential' }).click();
  await page.getByText('No credentials yet.').waitFor();
  assert.deepEqual((await app.api('/credentials')).body, []);
  await close({ allowErrors: [/status of 422/] });
});

/** A local port nothing listens on. */
async function closedPort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

test('settings: an API key is shown once, listed and revoked; the webhook secret is revealed and rotated; the model answers the test; the pool and disk are shown', async () => {
  const { page, close } = await openBrowser();
  await signIn(page, app);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  await page.getByTestId('pool-slots').waitFor();
  await assertAccessible(page, 'settings');
  await screenshot(page, 'settings');

  // API keys: made, shown once, listed by its first characters, revoked after a confirmation.
  await page.getByRole('button', { name: 'Create a key' }).click();
  const create = page.getByRole('dialog', { name: 'Create an API key' });
  await create.getByLabel('Name').fill('billing job');
  await assertAccessible(page, 'settings-create-key-dialog');
  await screenshot(page, 'settings-create-key-dialog');
  await create.getByRole('button', { name: 'Create key' }).click();
  const shown = page.getByTestId('new-api-key');
  await shown.waitFor();
  const key = (await shown.innerText()).trim();
  assert.ok(key.length >= 20, key);
  await page.getByText('it is shown only this once').waitFor();
  await assertAccessible(page, 'settings-new-key');
  await screenshot(page, 'settings-new-key');
  const keys = (await app.api('/api_keys')).body;
  const made = keys.find((k) => k.name === 'billing job');
  assert.ok(made && key.startsWith(made.prefix), JSON.stringify(keys));
  const verify = await fetch(`${app.url}/v1/credentials`, { headers: { 'x-api-key': key } });
  assert.equal(verify.status, 200, 'the key shown works');
  const row = page.getByRole('row').filter({ hasText: 'billing job' });
  assert.match(await row.innerText(), /active/);
  await page.getByRole('button', { name: 'I have copied it' }).click();
  await shown.waitFor({ state: 'hidden' });
  assert.ok(!(await page.content()).includes(key), 'the key is gone from the page');
  await row.getByRole('button', { name: 'Revoke billing job' }).click();
  const revoke = page.getByRole('dialog', { name: 'Revoke this API key?' });
  await assertAccessible(page, 'settings-revoke-dialog');
  await screenshot(page, 'settings-revoke-dialog');
  await revoke.getByRole('button', { name: 'Revoke key' }).click();
  await row.getByText(/revoked/).waitFor();
  assert.equal((await fetch(`${app.url}/v1/credentials`, { headers: { 'x-api-key': key } })).status, 403);

  // The webhook secret: hidden, revealed, rotated.
  const secret = page.getByTestId('webhook-secret');
  const before = (await app.api('/webhook_secret')).body.secret;
  assert.ok(!(await secret.innerText()).includes(before), 'hidden by default');
  await page.getByRole('button', { name: 'Reveal' }).click();
  assert.equal((await secret.innerText()).trim(), before);
  await page.getByRole('button', { name: 'Rotate secret' }).click();
  const rotate = page.getByRole('dialog', { name: 'Rotate the webhook secret?' });
  await assertAccessible(page, 'settings-rotate-dialog');
  await rotate.getByRole('button', { name: 'Rotate' }).click();
  await page.getByText('A new secret signs from now on').waitFor();
  const after = (await app.api('/webhook_secret')).body.secret;
  assert.notEqual(after, before);
  assert.equal((await secret.innerText()).trim(), after);
  await page.getByRole('heading', { name: 'Older secrets still signing' }).waitFor();
  await screenshot(page, 'settings-secret-rotated');

  // The model: the scripted one answers.
  await page.getByRole('button', { name: 'Test connection' }).click();
  const result = page.locator('.test-result');
  await result.getByText('Connected.').waitFor();
  assert.match(await result.innerText(), /test-model/);
  await screenshot(page, 'settings-model-ok');

  // The pool and the disk.
  assert.match(await page.getByTestId('pool-slots').innerText(), /0 of 1 in use/);
  assert.match(await page.getByTestId('disk').innerText(), /free of \d/);
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.getByTestId('pool-slots').waitFor();
  await phoneShot(page, 'settings-phone');
  await close();
});

test('settings: revoking the key of the current login warns that it signs you out', async () => {
  const made = await app.api('/api_keys', 'POST', { name: 'laptop' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const { page, close } = await openBrowser();
  await signIn(page, app, made.body.api_key);
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  await page.goto(`${app.url}/settings`);
  const row = page.getByRole('row').filter({ hasText: 'laptop' });
  await row.getByText('this login').waitFor();
  await row.getByRole('button', { name: 'Revoke laptop' }).click();
  const revoke = page.getByRole('dialog', { name: 'Revoke this API key?' });
  await revoke.getByText('This is the key you signed in with').waitFor();
  await assertAccessible(page, 'settings-revoke-own-key');
  await screenshot(page, 'settings-revoke-own-key');
  await revoke.getByRole('button', { name: 'Keep it' }).click();
  assert.equal((await app.api('/api_keys')).body.find((k) => k.name === 'laptop').revoked_at, null);
  await close();
});

test('settings: a remote browser endpoint that does not answer is shown down, with why', async () => {
  const port = await closedPort();
  const fleet = await startAppliance({
    ...model.settings,
    BROWSER__REMOTE: `http://127.0.0.1:${port}`,
    BROWSER__REMOTE_CHECK_SECONDS: 1,
  });
  try {
    const endpoint = async () => (await fleet.api('/system/status')).body.browser_pool.remote_endpoints[0];
    for (let tries = 0; (await endpoint()).up || !(await endpoint()).error; tries++) {
      assert.ok(tries < 100, 'the endpoint was never found down');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const { page, close } = await openBrowser();
    await signIn(page, fleet);
    await page.goto(`${fleet.url}/settings`);
    const row = page.getByTestId('remote-endpoints').getByRole('row').filter({ hasText: `127.0.0.1:${port}` });
    await row.getByText('Down').waitFor();
    assert.match(await row.innerText(), /0 of 2/);
    const slots = await page.getByTestId('pool-slots').innerText();
    assert.match(slots, /0 of 3 in use/);
    assert.match(slots, /2 on remote browsers that are down/);
    const error = (await endpoint()).error;
    assert.ok((await row.innerText()).includes(error), `the row says why: ${error}`);
    await assertAccessible(page, 'settings-remote-down');
    await screenshot(page, 'settings-remote-down');
    await close();
  } finally {
    await fleet.stop();
  }
});

test('settings: the connection test against a closed port says what went wrong', async () => {
  const port = await closedPort();
  const offline = await startAppliance({ ...model.settings, LLM__BASE_URL: `http://127.0.0.1:${port}/v1` });
  try {
    const { page, close } = await openBrowser();
    await signIn(page, offline);
    await page.goto(`${offline.url}/settings`);
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.locator('.test-result');
    await result.getByText('The model could not be reached.').waitFor({ timeout: 60_000 });
    assert.ok((await result.innerText()).length > 'The model could not be reached.'.length + 3, 'the error is said');
    assert.ok(!(await result.innerText()).includes('{'), 'no raw JSON');
    await assertAccessible(page, 'settings-model-error');
    await screenshot(page, 'settings-model-error');
    await close();
  } finally {
    await offline.stop();
  }
});
