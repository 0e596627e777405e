// The sign-in gate: no screen without a login, a wrong key is refused, sign out ends the session.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, openBrowser, screenshot, signIn, startAppliance } from './harness.mjs';

let app;
before(async () => {
  app = await startAppliance();
});
after(async () => {
  await app.stop();
});

test('every screen asks for a sign-in, a wrong key is refused, and the right one opens the runs', async () => {
  const { page, close } = await openBrowser();
  await page.goto(`${app.url}/settings`);
  assert.match(page.url(), /\/login$/);
  await assertAccessible(page, 'sign-in');
  await signIn(page, app, 'skv_not_a_key');
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').innerText(), /not valid/);
  await screenshot(page, 'sign-in-refused');
  await signIn(page, app);
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/');
  await screenshot(page, 'signed-in');
  await close();
});
