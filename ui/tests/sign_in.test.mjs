// The sign-in gate: no screen without a login, a wrong key is refused, sign out ends the session.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, assertAccessible, openBrowser, screenshot, signIn, startAppliance } from './harness.mjs';

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

test('the session cookie is HTTP-only, a change without the CSRF token is refused, and sign out ends the session', async () => {
  const { page, context, close } = await openBrowser();
  await signIn(page, app);
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'skyvern_session');
  assert.ok(session?.httpOnly && session.sameSite === 'Strict', JSON.stringify(cookies));
  assert.ok(!cookies.some((c) => c.value.includes(API_KEY)), 'no cookie holds the API key');
  const withoutToken = await page.evaluate(() => fetch('/v1/runs/cancel', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"run_ids":[]}' }).then((r) => r.status));
  assert.equal(withoutToken, 403);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/login$/);
  await page.goto(`${app.url}/runs/new`);
  assert.match(page.url(), /\/login$/, 'the ended session opens nothing');
  const replayed = await fetch(`${app.url}/v1/runs`, { headers: { cookie: `skyvern_session=${session.value}` } });
  assert.equal(replayed.status, 401, 'the old session id is refused');
  await close({ allowErrors: [/403/] });
});
