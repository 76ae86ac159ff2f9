import { ConversationLogError, invalidArgument } from '../errors.js';
import type { OtlpAnyValue, OtlpCallTrace, OtlpKeyValue, OtlpSpan, OtlpTraceRequest } from './otlp.js';

// ---------------------------------------------------------------------------
// protobuf encoding of opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest
// ---------------------------------------------------------------------------

/** A growing protobuf byte buffer: varints, fixed-width numbers and length-delimited fields. */
class Writer {
  private chunks: Buffer[] = [];
  private size = 0;

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
  }
  private varint(v: bigint): void {
    // int64 as protobuf writes it: two's complement, so a negative number takes ten bytes.
    let n = BigInt.asUintN(64, v);
    const bytes: number[] = [];
    do {
      let byte = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) byte |= 0x80;
      bytes.push(byte);
    } while (n > 0n);
    this.push(Buffer.from(bytes));
  }
  private tag(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }
  uint(field: number, v: number | bigint): this {
    this.tag(field, 0);
    this.varint(BigInt(v));
    return this;
  }
  bool(field: number, v: boolean): this {
    return this.uint(field, v ? 1 : 0);
  }
  double(field: number, v: number): this {
    this.tag(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.push(b);
    return this;
  }
  fixed64(field: number, v: bigint): this {
    this.tag(field, 1);
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    this.push(b);
    return this;
  }
  bytes(field: number, v: Uint8Array): this {
    this.tag(field, 2);
    this.varint(BigInt(v.length));
    this.push(Buffer.from(v));
    return this;
  }
  string(field: number, v: string): this {
    return this.bytes(field, Buffer.from(v, 'utf8'));
  }
  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.bytes(field, inner.finish());
  }
  finish(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

function anyValue(w: Writer, v: OtlpAnyValue): void {
  if ('stringValue' in v) w.string(1, v.stringValue);
  else if ('boolValue' in v) w.bool(2, v.boolValue);
  else if ('intValue' in v) w.uint(3, BigInt(v.intValue));
  else if ('doubleValue' in v) w.double(4, v.doubleValue);
  else w.message(5, (a) => v.arrayValue.values.forEach((x) => a.message(1, (e) => anyValue(e, x))));
}

const keyValues = (w: Writer, field: number, kvs: OtlpKeyValue[]) => {
  for (const kv of kvs) w.message(field, (k) => k.string(1, kv.key).message(2, (v) => anyValue(v, kv.value)));
};

function span(w: Writer, s: OtlpSpan): void {
  w.bytes(1, Buffer.from(s.traceId, 'hex')).bytes(2, Buffer.from(s.spanId, 'hex'));
  if (s.parentSpanId) w.bytes(4, Buffer.from(s.parentSpanId, 'hex'));
  w.string(5, s.name).uint(6, s.kind).fixed64(7, BigInt(s.startTimeUnixNano)).fixed64(8, BigInt(s.endTimeUnixNano));
  keyValues(w, 9, s.attributes);
  const status = s.status;
  if (status)
    w.message(15, (st) => {
      if (status.message) st.string(2, status.message);
      st.uint(3, status.code);
    });
}

/** An OTLP trace request as the protobuf bytes of `ExportTraceServiceRequest` (OTLP/HTTP's default encoding). */
export function encodeTraceRequest(request: OtlpTraceRequest): Buffer {
  const w = new Writer();
  for (const rs of request.resourceSpans)
    w.message(1, (r) => {
      r.message(1, (res) => keyValues(res, 1, rs.resource.attributes));
      for (const ss of rs.scopeSpans)
        r.message(2, (s) => {
          s.message(1, (scope) => scope.string(1, ss.scope.name).string(2, ss.scope.version));
          for (const sp of ss.spans) s.message(2, (x) => span(x, sp));
        });
    });
  return w.finish();
}

/** The partial success of an `ExportTraceServiceResponse` in protobuf: spans the receiver rejected, and why. */
function decodePartialSuccess(body: Uint8Array): { rejectedSpans: number; errorMessage: string } {
  const out = { rejectedSpans: 0, errorMessage: '' };
  const read = (buf: Uint8Array, onField: (field: number, wire: number, value: bigint | Uint8Array) => void) => {
    let i = 0;
    const varint = (): bigint => {
      let shift = 0n;
      let v = 0n;
      for (;;) {
        if (i >= buf.length) throw new Error('truncated varint');
        const b = buf[i++]!;
        v |= BigInt(b & 0x7f) << shift;
        if (!(b & 0x80)) return v;
        shift += 7n;
      }
    };
    while (i < buf.length) {
      const tag = Number(varint());
      const field = tag >> 3;
      const wire = tag & 7;
      if (wire === 0) onField(field, wire, varint());
      else if (wire === 2) {
        const len = Number(varint());
        onField(field, wire, buf.subarray(i, i + len));
        i += len;
      } else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else throw new Error(`wire type ${wire}`);
    }
  };
  try {
    read(body, (field, wire, value) => {
      if (field !== 1 || wire !== 2) return;
      read(value as Uint8Array, (f, w, v) => {
        if (f === 1 && w === 0) out.rejectedSpans = Number(BigInt.asIntN(64, v as bigint));
        if (f === 2 && w === 2) out.errorMessage = Buffer.from(v as Uint8Array).toString('utf8');
      });
    });
  } catch {
    // Not a response we can read: the 2xx status is the acknowledgement.
  }
  return out;
}

// ---------------------------------------------------------------------------
// OTLP/HTTP sending
// ---------------------------------------------------------------------------

export type OtlpEncoding = 'protobuf' | 'json';

export interface OtlpHttpOptions {
  /** The receiver's traces URL, e.g. `http://localhost:4318/v1/traces`. */
  endpoint: string;
  /** `protobuf` (`application/x-protobuf`, the OTLP/HTTP default) or `json` (`application/json`). */
  encoding?: OtlpEncoding;
  /** Calls per request (default 20). */
  batchSize?: number;
  /** Tries per request before giving up (default 5). */
  maxAttempts?: number;
  /** First wait before a retry, doubled on each further one up to `maxBackoffMs` (defaults 500 ms and 30 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Per-request timeout (default 10 s); a timed-out request is retried. */
  timeoutMs?: number;
  /** Extra request headers (e.g. `authorization`). */
  headers?: Record<string, string>;
  /** Called after each acknowledged request with the calls and spans acknowledged so far. */
  onProgress?: (calls: number, spans: number) => void;
  /** How to wait between tries (for tests); `setTimeout` by default. */
  sleep?: (ms: number) => Promise<void>;
}

export interface OtlpHttpResult {
  endpoint: string;
  encoding: OtlpEncoding;
  /** Calls and spans the receiver acknowledged (2xx). */
  calls: number;
  spans: number;
  /** Requests acknowledged, and tries that failed and were retried. */
  requests: number;
  retries: number;
  bytes: number;
  /** Spans the receiver said it rejected in a partial success (not retried, as OTLP says). */
  rejectedSpans: number;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The OTLP/HTTP statuses worth another try: throttling and the server side failing. */
const retryableStatus = (status: number) => status === 429 || status >= 500;

/** The Retry-After a server may ask for is honoured up to this long. */
const MAX_RETRY_AFTER_MS = 300_000;

/** The exporter could not deliver a request: after `attempts` tries, or at once for a status OTLP says not to retry. */
export class OtlpExportError extends ConversationLogError {
  constructor(
    message: string,
    readonly attempts: number,
    readonly status: number | null,
    /** What was acknowledged before the failure. */
    readonly delivered: { calls: number; spans: number },
    cause?: unknown,
  ) {
    super('EXPORT_FAILED', message, { retryable: status === null || retryableStatus(status), cause });
    this.name = 'OtlpExportError';
  }
}

function checkOptions(o: OtlpHttpOptions): Required<Omit<OtlpHttpOptions, 'onProgress' | 'sleep' | 'headers'>> {
  let url: URL;
  try {
    url = new URL(o.endpoint);
  } catch {
    throw invalidArgument(
      'endpoint',
      `"${o.endpoint}" is not a URL: give the receiver's traces URL, e.g. http://localhost:4318/v1/traces.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidArgument('endpoint', `must be an http:// or https:// URL, got ${url.protocol}`);
  const whole = (field: string, v: number | undefined, d: number, min: number) => {
    const n = v ?? d;
    if (!Number.isInteger(n) || n < min) throw invalidArgument(field, `must be a whole number of at least ${min}, got ${String(v)}.`);
    return n;
  };
  const encoding = o.encoding ?? 'protobuf';
  if (encoding !== 'protobuf' && encoding !== 'json')
    throw invalidArgument('encoding', `must be protobuf or json, got ${String(encoding)}.`);
  if (url.username || url.password)
    throw invalidArgument('endpoint', 'must not carry credentials: put them in a header (OTEL_EXPORTER_OTLP_HEADERS="authorization=...").');
  return {
    endpoint: url.toString(),
    encoding,
    batchSize: whole('batchSize', o.batchSize, 20, 1),
    maxAttempts: whole('maxAttempts', o.maxAttempts, 5, 1),
    initialBackoffMs: whole('initialBackoffMs', o.initialBackoffMs, 500, 0),
    maxBackoffMs: whole('maxBackoffMs', o.maxBackoffMs, 30_000, 0),
    timeoutMs: whole('timeoutMs', o.timeoutMs, 10_000, 1),
  };
}

const spanCount = (r: OtlpTraceRequest) => r.resourceSpans.reduce((n, rs) => n + rs.scopeSpans.reduce((m, s) => m + s.spans.length, 0), 0);

/**
 * Sends traces to an OTLP/HTTP receiver, `batchSize` calls per request, one request at a time
 * (so a request is sent again only while it is unacknowledged). A request that fails with 429,
 * a 5xx, a timeout or a connection error is tried again after an exponential backoff (with
 * jitter), or after the server's `Retry-After`; after `maxAttempts` tries, or at once on any
 * other status, it rejects with an {@link OtlpExportError} saying what was delivered.
 */
export async function sendOtlp(traces: AsyncIterable<OtlpCallTrace>, options: OtlpHttpOptions): Promise<OtlpHttpResult> {
  const o = checkOptions(options);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const result: OtlpHttpResult = {
    endpoint: o.endpoint,
    encoding: o.encoding,
    calls: 0,
    spans: 0,
    requests: 0,
    retries: 0,
    bytes: 0,
    rejectedSpans: 0,
  };
  const headers = {
    ...options.headers,
    'content-type': o.encoding === 'json' ? 'application/json' : 'application/x-protobuf',
  };

  const post = async (batch: OtlpCallTrace[]) => {
    const request: OtlpTraceRequest = { resourceSpans: batch.flatMap((b) => b.request.resourceSpans) };
    const body = o.encoding === 'json' ? Buffer.from(JSON.stringify(request)) : encodeTraceRequest(request);
    const delivered = () => ({ calls: result.calls, spans: result.spans });
    for (let attempt = 1; ; attempt++) {
      let status: number | null = null;
      let wait: number | null = null;
      let problem: string;
      let cause: unknown;
      try {
        const res = await fetch(o.endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(o.timeoutMs) });
        const answer = new Uint8Array(await res.arrayBuffer());
        if (res.ok) {
          const partial = o.encoding === 'json' ? jsonPartialSuccess(answer) : decodePartialSuccess(answer);
          result.rejectedSpans += partial.rejectedSpans;
          result.requests++;
          result.bytes += body.length;
          result.calls += batch.length;
          result.spans += spanCount(request);
          return;
        }
        status = res.status;
        problem = `HTTP ${res.status}`;
        if (!retryableStatus(res.status))
          throw new OtlpExportError(
            `${o.endpoint} refused the traces with HTTP ${res.status}: not retried (OTLP says a ${res.status} will fail again). Check the endpoint path (/v1/traces) and the receiver's auth.`,
            attempt,
            status,
            delivered(),
          );
        wait = retryAfterMs(res.headers.get('retry-after'));
      } catch (error) {
        if (error instanceof OtlpExportError) throw error;
        cause = error;
        const e = error as Error & { cause?: { code?: string } };
        problem = e.name === 'TimeoutError' ? `no answer within ${o.timeoutMs} ms` : (e.cause?.code ?? e.message);
      }
      if (attempt >= o.maxAttempts)
        throw new OtlpExportError(
          `could not deliver traces to ${o.endpoint} after ${attempt} tries (last: ${problem}); ${result.calls} calls were delivered before. Check that the receiver is up, then export again (--since) for the rest.`,
          attempt,
          status,
          delivered(),
          cause,
        );
      const backoff = Math.min(o.maxBackoffMs, o.initialBackoffMs * 2 ** (attempt - 1));
      result.retries++;
      await sleep(wait !== null ? Math.min(wait, MAX_RETRY_AFTER_MS) : backoff / 2 + Math.random() * (backoff / 2));
    }
  };

  let batch: OtlpCallTrace[] = [];
  for await (const t of traces) {
    batch.push(t);
    if (batch.length >= o.batchSize) {
      await post(batch);
      batch = [];
      options.onProgress?.(result.calls, result.spans);
    }
  }
  if (batch.length > 0) {
    await post(batch);
    options.onProgress?.(result.calls, result.spans);
  }
  return result;
}

function jsonPartialSuccess(body: Uint8Array): { rejectedSpans: number; errorMessage: string } {
  try {
    const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as {
      partialSuccess?: { rejectedSpans?: unknown; errorMessage?: unknown };
    };
    const p = parsed?.partialSuccess;
    return { rejectedSpans: Number(p?.rejectedSpans ?? 0) || 0, errorMessage: typeof p?.errorMessage === 'string' ? p.errorMessage : '' };
  } catch {
    return { rejectedSpans: 0, errorMessage: '' };
  }
}
