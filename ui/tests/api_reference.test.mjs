// The API reference screen: the appliance's own OpenAPI document, operations grouped by tag,
// each opening to its parameters, request body and responses; it passes axe-core on a laptop
// and on a phone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, openBrowser, screenshot, signIn, startAppliance } from './harness.mjs';

let app;
before(async () => {
  app = await startAppliance();
});
after(async () => {
  await app?.stop();
});

test('the API page lists every operation by tag and opens one to its request body and responses', async () => {
  const { page, close } = await openBrowser();
  await signIn(page, app);
  await page.getByRole('link', { name: 'API', exact: true }).click();
  await page.getByRole('heading', { name: 'API', level: 1 }).waitFor();
  const document = (await app.api('/openapi.json')).body;
  const operations = Object.values(document.paths).flatMap((item) => Object.keys(item)).length;
  assert.equal(await page.locator('details.operation').count(), operations, 'every operation is listed');
  await page.getByRole('heading', { name: 'runs', level: 2, exact: true }).waitFor();
  const createRun = page.locator('details.operation', { has: page.locator('code', { hasText: /^\/v1\/run\/tasks$/ }) });
  assert.equal(await createRun.count(), 1, 'POST /v1/run/tasks is listed once');
  assert.match(await createRun.locator('> summary').innerText(), /POST\s+\/v1\/run\/tasks\s+Run a task/);
  await createRun.locator('> summary').click();
  await createRun.getByRole('heading', { name: 'Request body' }).waitFor();
  await createRun.locator('summary', { hasText: 'TaskRunRequest' }).click();
  await createRun.locator('code.schema-name', { hasText: /^prompt$/ }).waitFor();
  await createRun.getByText('422', { exact: true }).waitFor();
  await assertAccessible(page, 'api reference, an operation open');
  await screenshot(page, 'api-reference-laptop');

  await page.getByLabel('Filter').fill('/v1/runs/{run_id}/cancel');
  assert.equal(await page.locator('details.operation').count(), 1, 'the filter keeps the one matching operation');
  await page.setViewportSize({ width: 390, height: 844 });
  await assertAccessible(page, 'api reference (phone)');
  await screenshot(page, 'api-reference-phone');
  await close();
});
