import http from 'node:http';
import net from 'node:net';

/** A raw HTTP request (no redirects followed, any method, any headers). */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('connect', (res: http.IncomingMessage, socket: import('node:net').Socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read untyped JSON responses
export async function getJson<T = any>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await request(url, { headers });
  if (res.status !== 200) throw new Error(`GET ${url} → ${res.status}: ${res.body}`);
  return JSON.parse(res.body) as T;
}

/** Reads server-sent events from `url` until `until` says stop (or the timeout); returns them. */
export function readSse(
  url: string,
  until: (events: Array<{ event: string; id: string; data: string }>) => boolean,
  onOpen: () => void | Promise<void>,
  timeoutMs = 10_000,
): Promise<Array<{ event: string; id: string; data: string }>> {
  return new Promise((resolve, reject) => {
    const events: Array<{ event: string; id: string; data: string }> = [];
    const req = http.get(url, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`SSE ${res.statusCode}`));
      let buffer = '';
      let opened = false;
      res.setEncoding('utf8');
      res.on('end', () => {
        clearTimeout(timer);
        resolve(events);
      });
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const e = { event: 'message', id: '', data: '' };
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) e.event = line.slice(7);
            else if (line.startsWith('id: ')) e.id = line.slice(4);
            else if (line.startsWith('data: ')) e.data += line.slice(6);
          }
          if (block.startsWith(':')) continue;
          events.push(e);
          if (!opened && e.event === 'ready') {
            opened = true;
            Promise.resolve(onOpen()).catch(reject);
          }
          if (until(events)) {
            clearTimeout(timer);
            req.destroy();
            resolve(events);
            return;
          }
        }
      });
    });
    req.on('error', (error) => {
      if (!(error as NodeJS.ErrnoException).code?.startsWith('ECONNRESET')) reject(error);
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`SSE: timed out with ${events.length} events: ${JSON.stringify(events).slice(0, 500)}`));
    }, timeoutMs);
  });
}

/** One request written byte for byte on a socket (any method, a body of `{}`), for the status line and headers. */
export function rawRequest(url: string, method: string): Promise<{ status: number; headers: Record<string, string> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname, () => {
      const target = url.slice(url.indexOf('/', url.indexOf('//') + 2)); // as written, not normalised
      socket.write(
        `${method} ${target} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
      );
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (text += c));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers });
    });
  });
}
