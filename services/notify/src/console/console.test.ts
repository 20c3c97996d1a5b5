import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { eventually, produce, provision, rawEvent, uniquePrefix } from '../../../../test/support/kafka';
import { TOKEN, alertRecord, confirmationRecord, enrichedOf, makeAlert, scoredOf, startService } from '../test-helpers';

// Debian's chromium, never a downloaded browser (see ARCHITECTURE.md).
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../../../../test-artifacts');

describe('live console in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}; install it with: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  test('an alert produced into Kafka appears on the page, with the figures and charts; acknowledging it reaches the service', async () => {
    const prefix = uniquePrefix('notify-console');
    const { names, serde } = await provision(prefix);
    const svc = await startService(prefix, { statsIntervalMs: 300 });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    try {
      await page.goto(`${svc.url}/#token=${TOKEN}`);
      await page.locator('#connection', { hasText: 'live' }).waitFor({ timeout: 15_000 });

      const alert = makeAlert({ severity: 'CRITICAL', title: 'Ransomware mentions are spiking', entity: { type: 'keyword', value: 'ransomware' } });
      await produce([alertRecord(names, serde, alert), alertRecord(names, serde, makeAlert({ severity: 'MEDIUM', title: 'Author burst on reddit', source: 'reddit' }))]);
      const row = page.locator('#alerts li', { hasText: 'Ransomware mentions are spiking' });
      await row.waitFor({ timeout: 15_000 });
      expect(await row.getAttribute('data-alert-id')).toMatch(/^\d+-\d+$/);
      expect(await row.getAttribute('class')).toContain('sev-CRITICAL');
      await page.locator('#alerts li', { hasText: 'Author burst on reddit' }).waitFor({ timeout: 15_000 });

      // Figures arrive over the same WebSocket and fill the tables and charts.
      await page.locator('#topics tbody tr', { hasText: 'alerts.v1' }).waitFor({ timeout: 15_000 });
      await page.locator('#groups tbody tr', { hasText: names.group('notify') }).waitFor({ timeout: 15_000 });
      await page.locator('#stages tbody tr', { hasText: 'notify' }).first().waitFor({ timeout: 15_000 });
      expect(await page.locator('#clients').textContent()).toBe('1');

      // Acknowledge from the page: every connected analyst sees it.
      await row.locator('button', { hasText: 'Ack' }).click();
      await row.locator('text=acked by alice').waitFor({ timeout: 10_000 });
      await page.waitForTimeout(1000); // a few more chart points
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'console.png'), fullPage: true });
      expect(fs.statSync(path.join(ARTIFACTS, 'console.png')).size).toBeGreaterThan(10_000);

      // Filters: only critical alerts from here on.
      await page.selectOption('select[name=minSeverity]', 'CRITICAL');
      await page.click('#filters button[type=submit]');
      await page.locator('#alerts li').first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
      // Same partition, low first: once the critical one is shown, the low one has been filtered, not delayed.
      await produce([
        { ...alertRecord(names, serde, makeAlert({ severity: 'LOW', title: 'A low one' })), partition: 0 },
        { ...alertRecord(names, serde, makeAlert({ severity: 'CRITICAL', title: 'Second critical' })), partition: 0 },
      ]);
      await page.locator('#alerts li', { hasText: 'Second critical' }).waitFor({ timeout: 15_000 });
      expect(await page.locator('#alerts li', { hasText: 'A low one' }).count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
      await svc.stop();
    }
  }, 120_000);

  test('the pipeline view shows an event move from accepted to persisted, and the per-stage queues', async () => {
    const prefix = uniquePrefix('notify-console-pipeline');
    const { names, serde } = await provision(prefix);
    const svc = await startService(prefix, { statsIntervalMs: 300 });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    try {
      await page.goto(`${svc.url}/#token=${TOKEN}`);
      await page.locator('#connection', { hasText: 'live' }).waitFor({ timeout: 15_000 });
      await eventually(async () => svc.service.pipeline.live, 30_000, 50);
      const e = rawEvent({ producer: 'acme' });
      const key = `${e.source}:${e.author.id}`;
      await produce([{ topic: names.topic('raw'), key, value: serde.encode('raw', e) }]);
      const row = page.locator(`#pipeline-events tr[data-event-id="${e.id}"]`);
      await row.waitFor({ timeout: 15_000 });
      await produce([{ topic: names.topic('enriched'), key, value: serde.encode('enriched', enrichedOf(e)) }]);
      await produce([{ topic: names.topic('scored'), key, value: serde.encode('scored', scoredOf(e)) }]);
      await produce([confirmationRecord(names, serde, { producer: 'acme', eventIds: [e.id], stage: 'persisted', committedAt: Date.now() })]);
      await row.locator('td.step-persisted').waitFor({ timeout: 15_000 });
      expect(await row.locator('td.step-done').count()).toBe(4);
      expect(await row.locator('td').nth(1).textContent()).toBe('acme');
      await page.locator('#pipeline-stages tbody tr', { hasText: 'persist' }).waitFor({ timeout: 15_000 });
      expect(await page.locator('#pipeline-stages tbody tr').count()).toBe(4);
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'console-pipeline.png'), fullPage: true });
      // Turning it off stops the tails once the idle time has passed (30 s by default: only the flag is checked here).
      await page.uncheck('#pipeline-toggle');
      await page.locator('#pipeline-live', { hasText: 'off' }).waitFor({ timeout: 5_000 });
      await eventually(async () => svc.service.hub.pipelineWatchers === 0, 10_000, 50);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
      await svc.stop();
    }
  }, 120_000);

  test('a wrong token is refused with a message on the page', async () => {
    const prefix = uniquePrefix('notify-console-auth');
    await provision(prefix);
    const svc = await startService(prefix);
    const page = await browser.newPage();
    try {
      await page.goto(`${svc.url}/#token=not-the-right-token-123`);
      await page.locator('#login-error', { hasText: 'token refused (403' }).waitFor({ timeout: 10_000 });
      expect(await page.locator('#app').isHidden()).toBe(true);
    } finally {
      await page.close();
      await svc.stop();
    }
  }, 120_000);
});
