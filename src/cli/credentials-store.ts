import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Sessions saved by `keyward login`, one per admin API URL, in `credentials.json`.
 * Invariant: the file is only ever written whole, with mode 0600, through a temporary file renamed
 * into place, so a crash never leaves a half-written or world-readable file behind. A directory
 * the store creates gets mode 0700.
 */

export interface SavedSession {
  readonly url: string;
  /** `keyward_session=<value>`, exactly as it is sent back in the Cookie header. */
  readonly cookie: string;
  readonly csrfToken: string;
  readonly email: string;
  readonly savedAt: string;
}

interface CredentialsFile {
  version: 1;
  sessions: Record<string, SavedSession>;
}

/** `$KEYWARD_CONFIG_HOME`, else `$XDG_CONFIG_HOME/keyward`, else `~/.config/keyward`. */
export function credentialsPath(env: Record<string, string | undefined>): string {
  const own = env.KEYWARD_CONFIG_HOME;
  if (own) return join(own, 'credentials.json');
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg ? xdg : join(env.HOME || homedir(), '.config');
  return join(base, 'keyward', 'credentials.json');
}

export class CredentialsStore {
  constructor(readonly path: string) {}

  async get(url: string): Promise<SavedSession | undefined> {
    const file = await this.read();
    return file.sessions[url];
  }

  async save(session: SavedSession): Promise<void> {
    const file = await this.read();
    file.sessions[session.url] = session;
    await this.write(file);
  }

  /** Removes the session for `url`; returns whether there was one. */
  async remove(url: string): Promise<boolean> {
    const file = await this.read();
    if (!(url in file.sessions)) return false;
    delete file.sessions[url];
    await this.write(file);
    return true;
  }

  private async read(): Promise<CredentialsFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, sessions: {} };
      throw err;
    }
    try {
      const parsed = JSON.parse(text) as Partial<CredentialsFile>;
      const sessions =
        parsed.sessions && typeof parsed.sessions === 'object' ? parsed.sessions : {};
      return { version: 1, sessions: { ...sessions } };
    } catch {
      throw new Error(`${this.path} is not valid JSON; delete it and run \`keyward login\` again`);
    }
  }

  private async write(file: CredentialsFile): Promise<void> {
    const dir = dirname(this.path);
    const created = await mkdir(dir, { recursive: true, mode: 0o700 });
    // mkdir's mode is filtered by the umask; make the directory we created exactly 0700.
    if (created !== undefined) await chmod(dir, 0o700);
    const temp = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      await chmod(temp, 0o600);
      await rename(temp, this.path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }
}
