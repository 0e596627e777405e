// The parts of an OpenAPI 3.1 document the reference page reads, and how it finds its way in
// one: operations by tag, and a `$ref` to the schema it names.

export interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  enum?: unknown[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
}

export interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}

export interface Content {
  [mediaType: string]: { schema?: Schema };
}

export interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { description?: string; required?: boolean; content?: Content };
  responses?: Record<string, { description?: string; content?: Content }>;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  tags?: { name: string; description?: string }[];
  paths: Record<string, Partial<Record<Method, Operation>>>;
  components?: { schemas?: Record<string, Schema> };
}

export const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
export type Method = (typeof METHODS)[number];

export interface Listed {
  method: Method;
  path: string;
  operation: Operation;
}

export interface Group {
  tag: string;
  description?: string;
  operations: Listed[];
}

/** The operations by their first tag, in the document's order of tags (untagged ones last). */
export function groups(document: OpenApiDocument, filter = ''): Group[] {
  const wanted = filter.trim().toLowerCase();
  const byTag = new Map<string, Listed[]>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const text = `${method} ${path} ${operation.summary ?? ''}`.toLowerCase();
      if (wanted && !text.includes(wanted)) continue;
      const tag = operation.tags?.[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method, path, operation }]);
    }
  }
  const known = (document.tags ?? []).map((tag) => tag.name);
  const order = [...known, ...[...byTag.keys()].filter((tag) => !known.includes(tag))];
  return order
    .filter((tag) => byTag.has(tag))
    .map((tag) => ({
      tag,
      description: document.tags?.find((known) => known.name === tag)?.description,
      operations: byTag.get(tag) ?? [],
    }));
}

/** The name of the schema a `$ref` points at (`#/components/schemas/Run` gives `Run`). */
export function refName(ref: string): string {
  return ref.split('/').pop() ?? ref;
}

/** A schema's type in a few words: `string`, `integer | null`, `array of Run`. */
export function typeLabel(schema: Schema): string {
  if (schema.$ref) return refName(schema.$ref);
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return alternatives.map(typeLabel).join(' | ');
  if (schema.allOf?.length === 1) return typeLabel(schema.allOf[0]);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const label = types
    .map((type) => (type === 'array' && schema.items ? `array of ${typeLabel(schema.items)}` : type))
    .join(' | ');
  const format = schema.format ? ` (${schema.format})` : '';
  return (label || 'any') + format;
}
