import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's `prometheus` package installs it here (`.ci/run` installs it when missing). */
export const PROMTOOL = '/usr/bin/promtool';

/**
 * Whether the promtool checks run: when promtool is installed, and always with
 * `KEYWARD_REQUIRE_PROMTOOL=1` (CI), where a missing promtool must fail rather than skip.
 */
export function promtoolChecksRun(): boolean {
  if (existsSync(PROMTOOL) || process.env.KEYWARD_REQUIRE_PROMTOOL === '1') return true;
  console.warn(
    `[keyward] promtool checks of /metrics SKIPPED: ${PROMTOOL} is missing (apt-get install -y prometheus)`,
  );
  return false;
}

/** `promtool check metrics` on `text`: its exit code and what it printed. */
export function promtoolCheckMetrics(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    // promtool may exit before reading all of stdin: its exit code says what went wrong.
    child.stdin.on('error', () => {});
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
    child.stdin.end(text);
  });
}
