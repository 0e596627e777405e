// Retention in the UI: while the data directory's disk has less free space than
// `retention.min_free_gb`, every screen shows a banner saying new runs are refused and what to
// free, and a new run's refusal says the same; with room, there is no banner.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, openBrowser, screenshot, serveFixtures, signIn, startAppliance } from './harness.mjs';

let fixtures;
before(async () => {
  fixtures = await serveFixtures();
});
after(async () => {
  await fixtures?.close();
});

test('with too little free disk space every screen shows the low-disk banner and a new run is refused', async () => {
  // More than any disk has free: the appliance reads the real free space.
  const app = await startAppliance({ RETENTION__MIN_FREE_GB: 1e9 });
  const { page, close } = await openBrowser();
  try {
    await signIn(page, app);
    const banner = page.getByTestId('low-disk-banner');
    await banner.getByText('Low disk space.').waitFor();
    assert.match(await banner.textContent(), /new runs are refused/);
    assert.match(await banner.textContent(), /retention\.min_free_gb/);
    await assertAccessible(page, 'low-disk-runs');
    await screenshot(page, 'low-disk-runs');
    for (const [path, heading] of [['/plans', 'Plans'], ['/settings', 'Settings'], ['/runs/new', 'New run']]) {
      await page.goto(`${app.url}${path}`);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await banner.waitFor();
    }
    await page.getByRole('radio', { name: 'Code' }).check();
    await page.getByLabel(/^URL/).fill(`${fixtures.url}/form.html`);
    await page.getByLabel('Action script').fill('[{"action": "wait", "ms": 10}]');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.locator('[role=alert]:not([data-testid=low-disk-banner])').filter({ hasText: 'Free space on that disk' }).waitFor();
    assert.equal((await app.api('/runs')).body.length, 0, 'no run was started');
  } finally {
    await close({ allowErrors: [/503/] });
    await app.stop();
  }
});

test('with room on the disk there is no banner', async () => {
  const app = await startAppliance({ RETENTION__MIN_FREE_GB: 0 });
  const { page, close } = await openBrowser();
  try {
    await signIn(page, app);
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.goto(`${app.url}/settings`);
    await page.getByTestId('disk').waitFor();
    assert.equal(await page.getByTestId('low-disk-banner').count(), 0);
  } finally {
    await close();
    await app.stop();
  }
});
