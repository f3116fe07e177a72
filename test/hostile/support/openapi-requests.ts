import fc from 'fast-check';
import { extraKey, hostileValue, malformedBody, shortHostileString, toJson } from './hostile-values';

/** The part of OpenAPI 3 that requests are generated from. */
export interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  nullable?: boolean;
  additionalProperties?: boolean | Schema;
}

interface Parameter {
  name: string;
  in: string;
  schema?: Schema;
}

export interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } }>
  >;
  components?: { schemas?: Record<string, Schema> };
}

export interface Operation {
  method: string;
  /** The path with `{name}` placeholders. */
  template: string;
  parameters: Parameter[];
  /** Schema by content type; empty when the operation takes no body. */
  bodies: Record<string, Schema>;
}

/** What the app under test knows that its document does not say: real ids, its token, a real backup. */
export interface FuzzTarget {
  token?: string;
  /** Values that exist in the app for a path or query parameter, or a body field, of this operation. */
  examples(name: string, op: Operation): string[];
  /** A real backup file of the app, for the import. */
  backupFile: Buffer;
}

export interface FuzzRequest {
  method: string;
  /** Sent as it is: already encoded, or deliberately not. */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND', 'FOO'];
/** Path segments sent without encoding: traversal, NUL, broken percent-encoding, over Node's header limit. */
const RAW_SEGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2e%2F..',
  '%00',
  'forge%00',
  '%ZZ',
  '%',
  '%C0%AE%C0%AE',
  '',
  'a%2Fb',
  '..%2F..%2Fetc%2Fpasswd',
  'x'.repeat(20_000),
];
const PATH_SUFFIXES = ['/', '//', '/extra', '?', ';x=1', '%20', '/..'];
const UNKNOWN_PATHS = [
  '/api',
  '/api/',
  '/api/nothing',
  '/API/AGENTS',
  '/api//agents',
  '/%ZZ',
  '/..%2F..%2Fetc%2Fpasswd',
  '/index.html%00',
  '/vendor/uplot/%2e%2e/%2e%2e/package.json',
  '/client/mission-control-client.js%00',
  '/docs/%ZZ',
  '/js/../../package.json',
];
const WRONG_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/json; charset=utf-16',
  'application/json; charset=koi8-r',
  'application/vnd.api+json',
  'APPLICATION/JSON',
  'a/b/c; ;;',
  '',
];
const OVERSIZE_BODY_BYTES = 21 * 1024 * 1024;

export function operationsOf(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      template,
      parameters: op.parameters ?? [],
      bodies: Object.fromEntries(
        Object.entries(op.requestBody?.content ?? {}).map(([type, { schema }]) => [type, schema]),
      ),
    })),
  );
}

/** encodeURIComponent, except that a lone surrogate (which it refuses) goes out as the invalid UTF-8 it would be. */
function encode(text: string): string {
  return [...text].map((c) => (/[\uD800-\uDFFF]/.test(c) ? '%ED%A0%80' : encodeURIComponent(c))).join('');
}

/** Strings matching a documented pattern; any string for one fast-check cannot generate from (lookarounds). */
function matching(pattern: string): fc.Arbitrary<string> {
  try {
    return fc.stringMatching(new RegExp(pattern));
  } catch {
    return fc.string({ maxLength: 40 });
  }
}

/** Sets a key as an own property, `__proto__` included (an assignment would change the prototype). */
function withKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

/** Builds request arbitraries from the document of the app whose `target` is given. */
export class RequestGenerator {
  readonly operations: Operation[];

  constructor(
    private readonly doc: OpenApiDocument,
    private readonly target: FuzzTarget,
  ) {
    this.operations = operationsOf(doc);
  }

  /** Every operation, then wrong methods on known paths and unknown paths. */
  requests(): fc.Arbitrary<FuzzRequest> {
    return fc.oneof(
      ...this.operations.map((op) => ({ arbitrary: this.forOperation(op), weight: 3 })),
      { arbitrary: this.wrongMethod(), weight: 8 },
      { arbitrary: this.unknownPath(), weight: 3 },
    );
  }

  private forOperation(op: Operation): fc.Arbitrary<FuzzRequest> {
    return fc
      .record({ path: this.path(op), query: this.query(op), headers: this.headers(), payload: this.payload(op) })
      .map(({ path, query, headers, payload }) => ({
        method: op.method,
        path: path + query,
        headers: { ...headers, ...payload.headers },
        body: payload.body,
      }));
  }

  private wrongMethod(): fc.Arbitrary<FuzzRequest> {
    const templates = [...new Set(this.operations.map((op) => op.template))];
    return fc
      .constantFrom(...templates)
      .chain((template) => {
        const defined = this.operations.filter((op) => op.template === template);
        const others = METHODS.filter((m) => !defined.some((op) => op.method === m));
        return fc.record({
          method: fc.constantFrom(...others),
          path: this.path(defined[0]),
          headers: this.headers(),
          payload: this.payload(defined[0]),
        });
      })
      .map(({ method, path, headers, payload }) => ({
        method,
        path,
        headers: { ...headers, ...payload.headers },
        body: payload.body,
      }));
  }

  private unknownPath(): fc.Arbitrary<FuzzRequest> {
    const path = fc.oneof(
      fc.constantFrom(...UNKNOWN_PATHS),
      shortHostileString.map((s) => `/api/${encode(s)}`),
    );
    return fc.record({ method: fc.constantFrom(...METHODS), path, headers: this.headers() });
  }

  private path(op: Operation): fc.Arbitrary<string> {
    const names = [...op.template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const segment = (name: string) =>
      fc.oneof(
        { arbitrary: fc.constantFrom(...this.target.examples(name, op)).map(encode), weight: 6 },
        { arbitrary: shortHostileString.map(encode), weight: 2 },
        { arbitrary: fc.constantFrom(...RAW_SEGMENTS), weight: 2 },
      );
    return fc
      .record({
        values: fc.tuple(...names.map(segment)),
        suffix: fc.oneof(
          { arbitrary: fc.constant(''), weight: 3 },
          { arbitrary: fc.constantFrom(...PATH_SUFFIXES), weight: 1 },
        ),
      })
      .map(
        ({ values, suffix }) =>
          names.reduce((path, name, i) => path.replace(`{${name}}`, values[i]), op.template) +
          (names.length ? suffix : ''),
      );
  }

  private query(op: Operation): fc.Arbitrary<string> {
    const params = op.parameters.filter((p) => p.in === 'query');
    const pair = (name: string, schema: Schema | undefined) =>
      fc.oneof(
        {
          arbitrary: this.leaf(name, schema ?? {}, op).map((v) => [`${encode(name)}=${encode(String(v))}`]),
          weight: 5,
        },
        { arbitrary: shortHostileString.map((v) => [`${encode(name)}=${encode(v)}`]), weight: 2 },
        { arbitrary: fc.constantFrom('%ZZ', '%00', '%', '', '1&1', '%2e%2e').map((v) => [`${name}=${v}`]), weight: 1 },
        {
          arbitrary: fc
            .tuple(shortHostileString, shortHostileString)
            .map(([a, b]) => [`${name}=${encode(a)}`, `${name}=${encode(b)}`]),
          weight: 1,
        },
        { arbitrary: fc.constantFrom(`${name}[]=1`, `${name}[a]=1`, name).map((v) => [v]), weight: 1 },
      );
    const extras = fc.array(
      fc.tuple(extraKey, shortHostileString).map(([k, v]) => [`${encode(k)}=${encode(v)}`]),
      { maxLength: 2 },
    );
    const chosen = params.map((p) => fc.option(pair(p.name, p.schema), { nil: [] as string[], freq: 3 }));
    return fc.tuple(extras, ...chosen).map(([extra, ...parts]) => {
      const all = [...extra.flat(), ...parts.flat()];
      return all.length ? `?${all.join('&')}` : '';
    });
  }

  private headers(): fc.Arbitrary<Record<string, string>> {
    const token = this.target.token;
    const auths = [
      'Bearer wrong',
      'Basic Zm9vOmJhcg==',
      'Bearer',
      `Bearer ${'a'.repeat(9_000)}`,
      ...(token ? [`Bearer ${token}`, `bearer  ${token} `, `Bearer ${token}x`] : []),
    ];
    // Mostly absent or right, so that most requests get past the front door to validation and the services.
    const oneIn = (n: number, values: string[], usual?: string) =>
      fc.oneof({ arbitrary: fc.constant(usual), weight: n - 1 }, { arbitrary: fc.constantFrom(...values), weight: 1 });
    return fc
      .record({
        authorization: oneIn(4, auths, token && `Bearer ${token}`),
        origin: oneIn(10, ['http://evil.example', 'null', 'http://127.0.0.1:1']),
        'content-encoding': oneIn(15, ['gzip', 'br', 'deflate', 'identity', 'x-unknown']),
        accept: oneIn(5, ['text/html', 'application/xml', '*/*', '']),
      })
      .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>);
  }

  /** A body (or none) and the headers that describe it. */
  private payload(op: Operation): fc.Arbitrary<{ body?: string | Buffer; headers: Record<string, string> }> {
    const none = fc.constant({ headers: {} });
    if (op.bodies['multipart/form-data'])
      return fc.oneof(
        { arbitrary: this.multipart(), weight: 6 },
        { arbitrary: this.json({}, op), weight: 1 },
        { arbitrary: none, weight: 1 },
      );
    const schema = op.bodies['application/json'];
    // Reads and deletes take no body; sending one all the same must not matter.
    if (!schema) return fc.oneof({ arbitrary: none, weight: 6 }, { arbitrary: this.json({}, op), weight: 1 });
    return fc.oneof(
      { arbitrary: this.json(schema, op), weight: 200 },
      {
        arbitrary: fc
          .tuple(this.body(schema, op), fc.constantFrom(...WRONG_CONTENT_TYPES))
          .map(([v, type]) => ({ body: toJson(v), headers: { 'content-type': type } })),
        weight: 40,
      },
      {
        arbitrary: malformedBody.map((body) => ({ body, headers: { 'content-type': 'application/json' } })),
        weight: 40,
      },
      { arbitrary: none, weight: 20 },
      {
        arbitrary: fc.constant({
          body: Buffer.alloc(OVERSIZE_BODY_BYTES, 0x20),
          headers: { 'content-type': 'application/json' },
        }),
        weight: 1,
      },
    );
  }

  private json(schema: Schema, op: Operation): fc.Arbitrary<{ body: string; headers: Record<string, string> }> {
    return this.body(schema, op).map((v) => ({ body: toJson(v), headers: { 'content-type': 'application/json' } }));
  }

  /** Valid bodies, bodies with hostile fields, missing and extra fields, and wholly hostile values. */
  private body(schema: Schema, op: Operation): fc.Arbitrary<unknown> {
    return fc.oneof(
      { arbitrary: this.valid(schema, '', op), weight: 4 },
      { arbitrary: this.shaped(schema, '', op), weight: 4 },
      { arbitrary: hostileValue, weight: 1 },
    );
  }

  private resolve(schema: Schema): Schema {
    const name = schema.$ref?.split('/').pop();
    return name ? (this.doc.components?.schemas?.[name] ?? {}) : schema;
  }

  private valid(schema: Schema, name: string, op: Operation): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    if (s.type === 'object' && s.properties) {
      const fields = Object.fromEntries(
        Object.entries(s.properties).map(([key, sub]) => [key, this.valid(sub, key, op)]),
      );
      return fc.record(fields, { requiredKeys: s.required ?? [] });
    }
    if (s.type === 'object')
      return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
    if (s.type === 'array')
      return fc.array(this.valid(s.items ?? {}, name, op), {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(s.maxItems ?? 3, 3),
      });
    return this.leaf(name, s, op);
  }

  /** Like valid(), but any field may be hostile, required fields may be missing, and unknown keys are added. */
  private shaped(schema: Schema, name: string, op: Operation): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    const maybeHostile = (sub: Schema, key: string) =>
      fc.oneof({ arbitrary: this.shaped(sub, key, op), weight: 4 }, { arbitrary: hostileValue, weight: 1 });
    if (s.type === 'object' && s.properties) {
      const fields = Object.fromEntries(
        Object.entries(s.properties).map(([key, sub]) => [key, maybeHostile(sub, key)]),
      );
      const extras = fc.array(fc.tuple(extraKey, hostileValue), { maxLength: 3 });
      return fc
        .tuple(
          fc.oneof(
            { arbitrary: fc.record(fields, { requiredKeys: s.required ?? [] }), weight: 3 },
            { arbitrary: fc.record(fields, { requiredKeys: [] }), weight: 1 },
          ),
          extras,
        )
        .map(([record, more]) =>
          more.reduce((o, [k, v]) => withKey(o, k, v), { ...(record as Record<string, unknown>) }),
        );
    }
    if (s.type === 'array') return fc.array(maybeHostile(s.items ?? {}, name), { maxLength: 4 });
    return this.valid(s, name, op);
  }

  /** A string, number or enum value that the schema (and the app's examples) would accept. */
  private leaf(name: string, schema: Schema, op: Operation): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    const examples = this.target.examples(name, op);
    if (s.enum) return fc.constantFrom(...s.enum);
    if (s.type === 'number' || s.type === 'integer')
      return fc.integer({ min: s.minimum ?? -1_000_000, max: s.maximum ?? 1_000_000 });
    if (s.type === 'boolean') return fc.boolean();
    // What the app holds where there is such a thing (ids, cursors); shaped() brings the garbage.
    if (examples.length) return fc.constantFrom(...examples);
    return s.pattern ? matching(s.pattern) : fc.string({ maxLength: Math.min(s.maxLength ?? 40, 40) });
  }

  /** Uploads for the import: the real backup, damaged copies, other files, no file, two files, broken framing. */
  private multipart(): fc.Arbitrary<{ body: Buffer; headers: Record<string, string> }> {
    const real = this.target.backupFile;
    const content = fc.oneof(
      { arbitrary: fc.constant(real), weight: 5 },
      fc.integer({ min: 0, max: real.length - 1 }).map((n) => real.subarray(0, n)),
      fc
        .integer({ min: 0, max: real.length - 1 })
        .map((n) => Buffer.concat([real.subarray(0, n), Buffer.from([real[n] ^ 0xff]), real.subarray(n + 1)])),
      fc
        .constantFrom(
          '{"format":1,"type":"snapshot","agents":[]}',
          '{"format":1,"type":"snapshot","agents":{}}',
          '{}',
          '',
        )
        .map((t) => Buffer.from(t)),
      fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
      hostileValue.map((v) => Buffer.from(toJson(v))),
    );
    const part = fc.record({
      field: fc.constantFrom('file', 'other', '__proto__', ''),
      filename: fc.constantFrom('b.tar.gz', '../../x.tar.gz', 'a\u0000.json', ''),
      content,
    });
    // Mostly the one part the import takes, so that real imports happen among the broken ones.
    type Part = { field: string; filename: string; content: Buffer };
    const parts = fc.oneof(
      { arbitrary: content.map((c): Part[] => [{ field: 'file', filename: 'b.tar.gz', content: c }]), weight: 3 },
      { arbitrary: fc.array(part, { maxLength: 3 }) as fc.Arbitrary<Part[]>, weight: 2 },
    );
    const framing = fc.oneof(
      { arbitrary: fc.constant('ok'), weight: 6 },
      { arbitrary: fc.constantFrom('truncated', 'wrong-boundary', 'no-boundary'), weight: 1 },
    );
    return fc.record({ parts, framing }).map((upload) => {
      const boundary = 'hostile-boundary';
      const chunks = upload.parts.flatMap((p) => [
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${p.field}"; filename="${p.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
        ),
        p.content,
        Buffer.from('\r\n'),
      ]);
      let body = Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]);
      if (upload.framing === 'truncated') body = body.subarray(0, Math.floor(body.length / 2));
      const type =
        upload.framing === 'no-boundary'
          ? 'multipart/form-data'
          : `multipart/form-data; boundary=${upload.framing === 'wrong-boundary' ? 'other' : boundary}`;
      return { body, headers: { 'content-type': type } };
    });
  }
}
