import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestKeyward, type TestKeyward } from '../support/harness.js';
import { buildConsole } from './console-support.js';

/** Debian's Chromium (apt-get install chromium); a browser is never downloaded. */
const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  console.warn(
    `test/web/console.test.ts: SKIPPED, ${CHROMIUM} is missing (install it: apt-get install -y chromium)`,
  );
}

/** Where the test leaves a picture of the key page, for a person to look at. */
const SCREENSHOT = join(tmpdir(), 'keyward-console-key-page.png');
const SECRET_RE = /kw_live_[0-9A-Za-z]{36}/;
const ADMIN_EMAIL = 'admin@comune-roma.example';
const ADMIN_PASSWORD = 'a-new-password-for-the-admin';

let built: Awaited<ReturnType<typeof buildConsole>>;
let kw: TestKeyward;
let browser: Browser;
let profileDir: string;
let page: Page;
const requestedUrls: string[] = [];
const consoleLines: string[] = [];

describe.skipIf(!HAVE_CHROMIUM)('the admin console in Chromium', () => {
  beforeAll(async () => {
    built = await buildConsole();
    kw = await startTestKeyward({
      consoleDir: built.dir,
      // A route for the retired-secret step (refused before any forwarding: nothing listens there).
      config: { gateway: { routes: [{ path: '/api', upstream: 'http://127.0.0.1:9' }] } },
    });
    profileDir = await mkdtemp(join(tmpdir(), 'keyward-chromium-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    // Generous: on a loaded 2-core CI machine a password hash alone can take seconds.
    page.setDefaultTimeout(30_000);
    page.on('request', (req) => requestedUrls.push(req.url()));
    page.on('console', (msg) => consoleLines.push(`${msg.type()}: ${msg.text()}`));
  });

  afterAll(async () => {
    await browser?.close();
    await kw?.stop();
    await built?.remove();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  });

  const signIn = async (email: string, password: string) => {
    // Wait for the sign-in page itself: the members page also has an "Email" field.
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  it('takes an institution from creation to a rotated, suspended and deleted key', async () => {
    // Platform operator: sign in, create an institution, invite its first admin.
    await page.goto(kw.url);
    await signIn(kw.operator.email, kw.operator.password);
    await page.getByRole('heading', { name: 'Institutions' }).waitFor();
    const newInstitution = page.getByRole('form', { name: 'New institution' });
    await newInstitution.getByLabel('Name').fill('Comune di Roma');
    await newInstitution.getByRole('button', { name: 'Create institution' }).click();
    await page.getByRole('heading', { name: 'Comune di Roma' }).waitFor();
    expect(page.url()).toMatch(/\/institutions\/ins_[A-Za-z0-9]+\/members$/);

    const addMember = page.getByRole('form', { name: 'Add member' });
    await addMember.getByLabel('Email').fill(ADMIN_EMAIL);
    await addMember.getByLabel('Name').fill('Giulia Admin');
    await addMember.getByLabel('Role').selectOption('admin');
    await addMember.getByRole('button', { name: 'Add member' }).click();
    const temporary = (await page.getByTestId('temp-password').textContent()) ?? '';
    expect(temporary.length).toBeGreaterThanOrEqual(12);
    await page.getByRole('cell', { name: ADMIN_EMAIL }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You have signed out.').waitFor();

    // The admin: temporary password, forced change, then the institution's keys.
    await signIn(ADMIN_EMAIL, temporary);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('Temporary password').fill(temporary);
    await page.getByLabel('New password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByLabel('New password again').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('link', { name: 'Comune di Roma' }).click();
    await page.getByRole('heading', { name: 'Keys' }).waitFor();
    await page.getByText('No keys yet.').waitFor();

    // Policies: the leak policy and the hygiene settings, saved through the API; a setting the
    // API refuses shows its 422 detail and changes nothing.
    await page.getByRole('link', { name: 'Policies' }).click();
    const policies = page.getByRole('form', { name: 'Policies' });
    await policies.getByLabel('When a secret is reported leaked').selectOption('suspend-key');
    await policies.getByLabel('Regenerate quiet period, seconds').fill('120');
    await policies.getByLabel('Maximum secret age, days').fill('90');
    await policies.getByLabel('Reminders, days before').fill('14, 3');
    await policies.getByRole('button', { name: 'Save policies' }).click();
    await policies.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const institutionId = /\/institutions\/(ins_[A-Za-z0-9]+)\//.exec(page.url())?.[1] ?? '';
    const adminApi = await ApiClient.login(kw.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    const withPolicies = await adminApi.request<{ settings: Record<string, unknown> }>(
      'GET',
      `/institutions/${institutionId}`,
    );
    expect(withPolicies.body.settings).toMatchObject({
      leakPolicy: 'suspend-key',
      quietPeriodSeconds: 120,
      maxSecretAgeDays: 90,
      ageReminderDays: [14, 3],
      unusedAlertDays: 90,
      suspendUnusedAfterDays: null,
    });
    await policies.getByLabel('Reminders, days before').fill('120');
    await policies.getByRole('button', { name: 'Save policies' }).click();
    await policies.getByRole('alert').waitFor();
    const unchanged = await adminApi.request<{ settings: { ageReminderDays: number[] } }>(
      'GET',
      `/institutions/${institutionId}`,
    );
    expect(unchanged.body.settings.ageReminderDays).toEqual([14, 3]);
    await page.getByRole('link', { name: 'Keys' }).click();
    await page.getByText('No keys yet.').waitFor();

    // Create a key: both secrets shown once.
    await page.getByRole('button', { name: 'Create key' }).click();
    const createDialog = page.getByRole('dialog', { name: 'Create key' });
    await createDialog.getByLabel('Name').fill('billing-backend');
    await createDialog.getByLabel('Scopes').fill('messages:send');
    await createDialog.getByRole('button', { name: 'Create key' }).click();
    const createdDialog = page.getByRole('dialog', { name: 'Key “billing-backend” created' });
    await createdDialog.getByText('You will not see them again').waitFor();
    const primary = (await page.getByTestId('new-primary').textContent()) ?? '';
    const secondary = (await page.getByTestId('new-secondary').textContent()) ?? '';
    expect(primary).toMatch(SECRET_RE);
    expect(secondary).toMatch(SECRET_RE);
    expect(primary).not.toBe(secondary);
    await createdDialog.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.getByTestId('new-primary').count()).toBe(0);

    // The table lists it with a hint per slot, never the secret.
    const row = page.getByRole('row', { name: /billing-backend/ });
    await row.waitFor();
    const rowText = (await row.textContent()) ?? '';
    expect(rowText).toContain(primary.slice(-4));
    expect(rowText).toContain(secondary.slice(-4));
    expect(rowText).not.toContain(primary);
    expect(rowText).toContain('Never used');

    // Key page: secrets masked until asked, then hidden again.
    await row.getByRole('link', { name: 'billing-backend' }).click();
    await page.getByRole('heading', { name: /billing-backend/ }).waitFor();
    const keyId = /\/keys\/(key_[A-Za-z0-9]+)$/.exec(page.url())?.[1] ?? '';
    expect(keyId).not.toBe('');
    expect(await page.content()).not.toContain(primary);
    await page.getByRole('button', { name: 'Show secrets' }).click();
    expect(await page.getByTestId('secret-primary').textContent()).toBe(primary);
    expect(await page.getByTestId('secret-secondary').textContent()).toBe(secondary);
    await page.getByRole('button', { name: 'Hide secrets' }).click();
    await expect.poll(() => page.getByTestId('secret-primary').count()).toBe(0);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Regenerate the secondary: the confirmation names the slot and says the other keeps working.
    await page.getByRole('button', { name: 'Regenerate secondary' }).click();
    const confirm = page.getByRole('dialog', { name: 'Regenerate the secondary secret?' });
    await confirm.getByText('keeps working').waitFor();
    await confirm.getByRole('button', { name: 'Regenerate secondary' }).click();
    const fresh = (await page.getByTestId('regenerated-secret').textContent()) ?? '';
    expect(fresh).toMatch(SECRET_RE);
    expect(fresh).not.toBe(secondary);
    await page
      .getByRole('dialog', { name: 'New secondary secret' })
      .getByRole('button', { name: 'Done' })
      .click();
    const api = await ApiClient.login(kw.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    const after = await api.request<{ primary: string; secondary: string }>(
      'GET',
      `/keys/${keyId}/secrets`,
    );
    expect(after.body).toEqual({ primary, secondary: fresh });

    // The replaced secondary sent to the gateway: an alert naming the slot, acknowledged in the
    // Alerts tab; the key page shows the refused request in its usage.
    const refused = await fetch(`${kw.gatewayUrl}/api/x`, { headers: { 'x-api-key': secondary } });
    expect(refused.status).toBe(401);
    await kw.running.flushUsage();
    await page.getByRole('heading', { name: 'Usage, last 24 hours' }).waitFor();
    await page
      .getByRole('navigation', { name: 'Breadcrumb' })
      .getByRole('link', { name: 'Comune di Roma' })
      .click();
    await page.getByRole('link', { name: 'Alerts' }).click();
    const alertRow = page.getByTestId('alert-RETIRED_SECRET_USED');
    await alertRow.getByRole('cell', { name: 'secondary', exact: true }).waitFor();
    await alertRow.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByText('No alerts.').waitFor();
    await page.getByRole('link', { name: 'Keys' }).click();
    await page.getByRole('link', { name: 'billing-backend' }).click();
    await page
      .getByTestId('usage-secondary')
      .getByRole('cell', { name: '1', exact: true })
      .first()
      .waitFor();

    // A restriction the API refuses: its 422 detail is shown beside the form.
    await page.getByLabel('Allowed networks').fill('not-a-network');
    await page.getByRole('button', { name: 'Save restrictions' }).click();
    await page.getByRole('alert').filter({ hasText: 'allowedCidrs[0]' }).waitFor();

    // Suspend.
    await page.getByRole('button', { name: 'Suspend key' }).click();
    await page.getByRole('button', { name: 'Activate key' }).waitFor();
    const suspended = await api.request<{ state: string }>('GET', `/keys/${keyId}`);
    expect(suspended.body.state).toBe('suspended');

    // Delete, after a confirmation; back on the (now empty) key list.
    await page.getByRole('button', { name: 'Delete key' }).click();
    await page
      .getByRole('dialog', { name: 'Delete key “billing-backend”?' })
      .getByRole('button', { name: 'Delete permanently' })
      .click();
    await page.getByText('No keys yet.').waitFor();
    const gone = await api.request<{ state?: string }>('GET', `/keys/${keyId}`);
    expect(gone.status === 404 || gone.body.state === 'cancelled').toBe(true);

    // Secrets never left the page through a URL, storage or the browser console.
    for (const secret of [primary, secondary, fresh, temporary]) {
      expect(requestedUrls.filter((u) => u.includes(secret))).toEqual([]);
      expect(consoleLines.filter((l) => l.includes(secret))).toEqual([]);
    }
    expect(requestedUrls.filter((u) => SECRET_RE.test(decodeURIComponent(u)))).toEqual([]);
    // A string, evaluated in the page: this file is type-checked without the DOM library.
    expect(await page.evaluate('localStorage.length + sessionStorage.length')).toBe(0);
    expect(consoleLines.filter((l) => /Content Security Policy/i.test(l))).toEqual([]);
  }, 180_000);
});
