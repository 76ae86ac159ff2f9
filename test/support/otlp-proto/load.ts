/**
 * The official OTLP trace protos (vendored from open-telemetry/opentelemetry-proto at
 * ac2c4b5d1f3a6079de62f9afec860158ecc8af09, Apache-2.0), read from their `.proto` text into
 * descriptors and turned into message types by @bufbuild/protobuf: what a collector decodes
 * with, so a test decodes exactly what one would.
 *
 * The reader handles what these four files use (proto3 messages, nested messages and enums,
 * oneofs, repeated fields, imports, options, reserved ranges, services); it throws on anything else.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DescriptorProto,
  EnumDescriptorProto,
  EnumValueDescriptorProto,
  FieldDescriptorProto,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProto,
  FileDescriptorSet,
  OneofDescriptorProto,
  createRegistryFromDescriptors,
  type AnyMessage,
  type MessageType,
} from '@bufbuild/protobuf';

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const FILES = [
  'opentelemetry/proto/common/v1/common.proto',
  'opentelemetry/proto/resource/v1/resource.proto',
  'opentelemetry/proto/trace/v1/trace.proto',
  'opentelemetry/proto/collector/trace/v1/trace_service.proto',
];

const SCALARS: Record<string, FieldDescriptorProto_Type> = {
  double: FieldDescriptorProto_Type.DOUBLE,
  float: FieldDescriptorProto_Type.FLOAT,
  int64: FieldDescriptorProto_Type.INT64,
  uint64: FieldDescriptorProto_Type.UINT64,
  int32: FieldDescriptorProto_Type.INT32,
  uint32: FieldDescriptorProto_Type.UINT32,
  fixed64: FieldDescriptorProto_Type.FIXED64,
  fixed32: FieldDescriptorProto_Type.FIXED32,
  sfixed64: FieldDescriptorProto_Type.SFIXED64,
  sfixed32: FieldDescriptorProto_Type.SFIXED32,
  sint64: FieldDescriptorProto_Type.SINT64,
  sint32: FieldDescriptorProto_Type.SINT32,
  bool: FieldDescriptorProto_Type.BOOL,
  string: FieldDescriptorProto_Type.STRING,
  bytes: FieldDescriptorProto_Type.BYTES,
};

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function tokenize(text: string): string[] {
  const stripped = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
  return stripped.match(/"[^"]*"|[A-Za-z_][\w.]*|0x[0-9a-fA-F]+|-?\d+|[{}()[\];=<>,]/g) ?? [];
}

interface PendingField {
  field: FieldDescriptorProto;
  type: string;
  scope: string;
}

class Parser {
  private i = 0;
  readonly pending: PendingField[] = [];
  constructor(private readonly t: string[]) {}

  private next(): string {
    const tok = this.t[this.i++];
    if (tok === undefined) throw new Error('unexpected end of .proto');
    return tok;
  }
  private peek(): string | undefined {
    return this.t[this.i];
  }
  private expect(tok: string): void {
    const got = this.next();
    if (got !== tok) throw new Error(`expected ${tok}, got ${got}`);
  }
  private skipStatement(): void {
    while (this.next() !== ';');
  }
  private skipBlock(): void {
    while (this.next() !== '{');
    let depth = 1;
    while (depth > 0) {
      const tok = this.next();
      if (tok === '{') depth++;
      else if (tok === '}') depth--;
    }
  }

  file(name: string): FileDescriptorProto {
    const file = new FileDescriptorProto({ name, syntax: 'proto3' });
    while (this.peek() !== undefined) {
      const tok = this.next();
      if (tok === 'syntax' || tok === 'option') this.skipStatement();
      else if (tok === 'package') {
        file.package = this.next();
        this.expect(';');
      } else if (tok === 'import') {
        file.dependency.push(this.next().slice(1, -1));
        this.expect(';');
      } else if (tok === 'message') file.messageType.push(this.message(`.${file.package}`));
      else if (tok === 'enum') file.enumType.push(this.enumeration());
      else if (tok === 'service') this.skipBlock();
      else if (tok === ';') continue;
      else throw new Error(`unexpected ${tok} in ${name}`);
    }
    return file;
  }

  private message(scope: string): DescriptorProto {
    const msg = new DescriptorProto({ name: this.next() });
    const inner = `${scope}.${msg.name}`;
    this.expect('{');
    for (;;) {
      const tok = this.next();
      if (tok === '}') return msg;
      if (tok === ';') continue;
      if (tok === 'option' || tok === 'reserved') this.skipStatement();
      else if (tok === 'message') msg.nestedType.push(this.message(inner));
      else if (tok === 'enum') msg.enumType.push(this.enumeration());
      else if (tok === 'oneof') {
        msg.oneofDecl.push(new OneofDescriptorProto({ name: this.next() }));
        this.expect('{');
        while (this.peek() !== '}') msg.field.push(this.field(this.next(), inner, msg.oneofDecl.length - 1));
        this.expect('}');
      } else msg.field.push(this.field(tok, inner));
    }
  }

  private field(first: string, scope: string, oneofIndex?: number): FieldDescriptorProto {
    let label = FieldDescriptorProto_Label.OPTIONAL;
    let type = first;
    if (first === 'repeated') {
      label = FieldDescriptorProto_Label.REPEATED;
      type = this.next();
    } else if (first === 'optional') throw new Error('proto3 optional is not handled');
    const name = this.next();
    this.expect('=');
    const number = Number(this.next());
    if (this.peek() === '[') while (this.next() !== ']');
    this.expect(';');
    const field = new FieldDescriptorProto({ name, number, label, jsonName: camel(name) });
    if (oneofIndex !== undefined) field.oneofIndex = oneofIndex;
    const scalar = SCALARS[type];
    if (scalar !== undefined) field.type = scalar;
    else this.pending.push({ field, type, scope });
    return field;
  }

  private enumeration(): EnumDescriptorProto {
    const e = new EnumDescriptorProto({ name: this.next() });
    this.expect('{');
    for (;;) {
      const tok = this.next();
      if (tok === '}') {
        if (this.peek() === ';') this.next();
        return e;
      }
      if (tok === 'option' || tok === 'reserved') {
        this.skipStatement();
        continue;
      }
      this.expect('=');
      e.value.push(new EnumValueDescriptorProto({ name: tok, number: Number(this.next()) }));
      this.expect(';');
    }
  }
}

function collect(prefix: string, messages: DescriptorProto[], enums: EnumDescriptorProto[], out: Map<string, 'm' | 'e'>): void {
  for (const e of enums) out.set(`${prefix}.${e.name}`, 'e');
  for (const m of messages) {
    out.set(`${prefix}.${m.name}`, 'm');
    collect(`${prefix}.${m.name}`, m.nestedType, m.enumType, out);
  }
}

let registry: ReturnType<typeof createRegistryFromDescriptors> | null = null;

function load(): ReturnType<typeof createRegistryFromDescriptors> {
  if (registry) return registry;
  const files: FileDescriptorProto[] = [];
  const pending: PendingField[] = [];
  for (const name of FILES) {
    const parser = new Parser(tokenize(fs.readFileSync(path.join(ROOT, name), 'utf8')));
    files.push(parser.file(name));
    pending.push(...parser.pending);
  }
  const types = new Map<string, 'm' | 'e'>();
  for (const f of files) collect(`.${f.package}`, f.messageType, f.enumType, types);
  for (const { field, type, scope } of pending) {
    let full: string | undefined;
    for (let s = scope; s.length > 0 && full === undefined; s = s.slice(0, Math.max(0, s.lastIndexOf('.')))) {
      if (types.has(`${s}.${type}`)) full = `${s}.${type}`;
    }
    if (full === undefined && types.has(`.${type}`)) full = `.${type}`;
    if (full === undefined) throw new Error(`unknown type ${type} in ${scope}`);
    field.typeName = full;
    field.type = types.get(full) === 'm' ? FieldDescriptorProto_Type.MESSAGE : FieldDescriptorProto_Type.ENUM;
  }
  registry = createRegistryFromDescriptors(new FileDescriptorSet({ file: files }));
  return registry;
}

/** The official `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest`. */
export function exportTraceServiceRequest(): MessageType<AnyMessage> {
  const type = load().findMessage('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
  if (!type) throw new Error('ExportTraceServiceRequest not in the protos');
  return type;
}

/** Every field number a decoded message (and its sub-messages) carried that the protos do not know. */
export function unknownFields(message: AnyMessage): number[] {
  const out: number[] = [];
  const walk = (m: AnyMessage) => {
    const type = m.getType();
    out.push(...type.runtime.bin.listUnknownFields(m).map((u) => u.no));
    for (const field of type.fields.list()) {
      const value: unknown = field.oneof ? (m[field.oneof.localName] as { case?: string; value?: unknown })?.value : m[field.localName];
      const isMessage = field.kind === 'message' || (field.oneof !== undefined && value !== null && typeof value === 'object');
      if (!isMessage) continue;
      for (const v of Array.isArray(value) ? value : [value]) if (v && typeof v === 'object' && 'getType' in v) walk(v as AnyMessage);
    }
  };
  walk(message);
  return out;
}

/**
 * A binary OTLP request decoded with the official protos, as canonical proto3 JSON (ids in
 * base64, enums by name, 64-bit integers as strings). Throws on bytes the protos cannot read or fields they do not know.
 */
export function decodeTraces(bytes: Uint8Array): Record<string, unknown> {
  const type = exportTraceServiceRequest();
  const message = type.fromBinary(bytes, { readUnknownFields: true });
  const unknown = unknownFields(message);
  if (unknown.length > 0) throw new Error(`fields the OTLP protos do not define: ${unknown.join(', ')}`);
  return message.toJson() as Record<string, unknown>;
}

/**
 * An OTLP/JSON request read with the official protos, strictly (an unknown field fails). OTLP/JSON
 * writes trace and span ids as hex where proto3 JSON has base64: they are checked as hex and
 * converted first, as a collector does.
 */
export function parseJsonTraces(json: unknown): Record<string, unknown> {
  const convert = (v: unknown, key?: string): unknown => {
    if (Array.isArray(v)) return v.map((x) => convert(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convert(x, k)]));
    if (typeof v === 'string' && (key === 'traceId' || key === 'spanId' || key === 'parentSpanId')) {
      if (!/^([0-9a-f]{2})*$/.test(v)) throw new Error(`${key} ${v} is not lowercase hex`);
      return Buffer.from(v, 'hex').toString('base64');
    }
    return v;
  };
  const type = exportTraceServiceRequest();
  return type.fromJson(convert(json) as never, { ignoreUnknownFields: false }).toJson() as Record<string, unknown>;
}
