// A schema as a nested list: each property with its type, whether it is required, its
// description and allowed values; a named schema opens on demand, and one already open above
// is not opened again (schemas may refer to themselves).
import type { Schema } from './model';
import { refName, typeLabel } from './model';

interface Props {
  schema: Schema;
  schemas: Record<string, Schema>;
  /** The named schemas open above this one. */
  seen?: string[];
}

export function SchemaView({ schema, schemas, seen = [] }: Props) {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    const target = schemas[name];
    if (!target || seen.includes(name)) return <code class="schema-type">{name}</code>;
    return (
      <details class="schema-ref">
        <summary>
          <code class="schema-type">{name}</code>
        </summary>
        <SchemaView schema={target} schemas={schemas} seen={[...seen, name]} />
      </details>
    );
  }
  const alternatives = schema.oneOf ?? schema.anyOf ?? schema.allOf;
  const items = schema.items;
  const extra = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  return (
    <div class="schema">
      {schema.description && <p class="schema-description">{schema.description}</p>}
      {schema.enum && (
        <p>
          One of{' '}
          {schema.enum.map((value, index) => (
            <span key={String(value)}>
              {index > 0 && ', '}
              <code>{JSON.stringify(value)}</code>
            </span>
          ))}
        </p>
      )}
      {schema.properties ? (
        <ul class="schema-properties">
          {Object.entries(schema.properties).map(([name, property]) => (
            <li key={name}>
              <code class="schema-name">{name}</code> <span class="schema-type">{typeLabel(property)}</span>
              {schema.required?.includes(name) && <span class="schema-required"> required</span>}
              {(property.properties || property.$ref || property.items || property.enum || property.description) && (
                <Nested schema={property} schemas={schemas} seen={seen} />
              )}
            </li>
          ))}
        </ul>
      ) : alternatives ? (
        <ul class="schema-properties">
          {alternatives.map((alternative, index) => (
            <li key={index}>
              <SchemaView schema={alternative} schemas={schemas} seen={seen} />
            </li>
          ))}
        </ul>
      ) : items ? (
        <p>
          <span class="schema-type">{typeLabel(schema)}</span>
          {(items.$ref || items.properties) && <Nested schema={items} schemas={schemas} seen={seen} />}
        </p>
      ) : (
        !schema.enum && <span class="schema-type">{typeLabel(schema)}</span>
      )}
      {extra && (
        <p>
          Other keys: <span class="schema-type">{typeLabel(extra)}</span>
        </p>
      )}
    </div>
  );
}

/** A property's own schema below it: its description, values, fields or items. */
function Nested({ schema, schemas, seen }: Required<Props>) {
  const inner = schema.items && !schema.properties ? schema.items : schema;
  if (inner.$ref) return <SchemaView schema={inner} schemas={schemas} seen={seen} />;
  return (
    <div class="schema-nested">
      {schema.description && <p class="schema-description">{schema.description}</p>}
      {(inner.properties || inner.enum) && <SchemaView schema={{ ...inner, description: undefined }} schemas={schemas} seen={seen} />}
    </div>
  );
}
