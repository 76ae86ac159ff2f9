import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ConversationLogError } from '../errors.js';

/** Shortest token accepted: long enough that guessing it over HTTP is hopeless. */
export const MIN_TOKEN_LENGTH = 16;

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** True for names and addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The dashboard's access rule: with a token, every request must present it (an
 * `Authorization: Bearer` header, or the cookie set when the browser opened `/?token=…`);
 * without one, only requests addressed to a loopback name are served (a DNS-rebinding page
 * cannot read the dashboard through its own host name).
 *
 * @remarks Tokens are compared as SHA-256 digests with `crypto.timingSafeEqual`, so the time
 * taken says nothing about how much of a guess was right, nor about the token's length.
 */
export class AccessGuard {
  readonly cookieName: string;
  private readonly tokenDigest: Buffer | null;
  private readonly cookieDigest: Buffer | null;
  private readonly cookieValue: string | null;

  constructor(
    token: string | undefined,
    private readonly allowedHosts: ReadonlySet<string>,
    port: number,
  ) {
    this.cookieName = `convlog_session_${port}`;
    if (token === undefined) {
      this.tokenDigest = this.cookieDigest = this.cookieValue = null;
      return;
    }
    // The cookie holds a digest of the token, never the token itself.
    this.cookieValue = sha256(`convlog-session:${token}`).toString('hex');
    this.tokenDigest = sha256(token);
    this.cookieDigest = sha256(this.cookieValue);
  }

  get tokenRequired(): boolean {
    return this.tokenDigest !== null;
  }

  /** Does `candidate` equal the token? Constant time; false when no token is configured. */
  tokenMatches(candidate: string | undefined): boolean {
    if (this.tokenDigest === null || candidate === undefined || candidate === '') return false;
    return timingSafeEqual(sha256(candidate), this.tokenDigest);
  }

  /** The `Set-Cookie` value that lets a browser that presented the token in (only) its first URL in. */
  sessionCookie(): string {
    return `${this.cookieName}=${this.cookieValue ?? ''}; Path=/; HttpOnly; SameSite=Strict`;
  }

  /** Whether the request may be served: `ok`, or why not. */
  check(req: IncomingMessage): 'ok' | 'unauthorized' | 'bad-host' {
    if (this.tokenDigest === null) {
      const host = (req.headers.host ?? '').toLowerCase();
      return this.allowedHosts.has(host) ? 'ok' : 'bad-host';
    }
    const auth = req.headers.authorization;
    if (auth !== undefined && /^Bearer /i.test(auth) && this.tokenMatches(auth.slice(7).trim())) return 'ok';
    const cookie = readCookie(req.headers.cookie, this.cookieName);
    if (cookie !== undefined && this.cookieDigest !== null && timingSafeEqual(sha256(cookie), this.cookieDigest)) return 'ok';
    return 'unauthorized';
  }
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Checks the token rule before anything listens: a host other than loopback needs a token of
 * at least {@link MIN_TOKEN_LENGTH} characters.
 *
 * @throws ConversationLogError `CONFIG_INVALID`
 */
export function assertSafeBinding(host: string, token: string | undefined): void {
  // eslint-disable-next-line no-control-regex -- a token with control characters is refused
  if (token !== undefined && (token.length < MIN_TOKEN_LENGTH || /[\s\u0000-\u001f]/.test(token)))
    throw new ConversationLogError(
      'CONFIG_INVALID',
      `The dashboard token must be at least ${MIN_TOKEN_LENGTH} characters without spaces (try: openssl rand -hex 32).`,
      { field: 'token' },
    );
  if (token === undefined && !isLoopbackHost(host))
    throw new ConversationLogError(
      'CONFIG_INVALID',
      `Refusing to serve the dashboard on ${host} without a token: anyone who can reach that address could read every transcript. Pass --token or set CONVLOG_TOKEN, or bind 127.0.0.1.`,
      { field: 'token' },
    );
}
