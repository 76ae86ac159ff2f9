/** The OTLP/JSON shapes the trace export writes: an `ExportTraceServiceRequest` and its parts. */
/** An OTLP `AnyValue` as OTLP/JSON writes it (64-bit integers as decimal strings). */
export type OtlpAnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: OtlpAnyValue[] } };
export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}
/** An OTLP span as OTLP/JSON writes it: ids in lowercase hex, times in ns as decimal strings. */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  status?: { code: number; message?: string };
}
export interface OtlpResourceSpans {
  resource: { attributes: OtlpKeyValue[] };
  scopeSpans: { scope: { name: string; version: string }; spans: OtlpSpan[] }[];
}
/** An OTLP `ExportTraceServiceRequest` in its OTLP/JSON form. */
export interface OtlpTraceRequest {
  resourceSpans: OtlpResourceSpans[];
}

/** OTLP `SpanKind` values. */
export const SPAN_KIND = { INTERNAL: 1, CLIENT: 3 } as const;
/** OTLP `Status.StatusCode` values. */
export const STATUS_CODE = { ERROR: 2 } as const;
