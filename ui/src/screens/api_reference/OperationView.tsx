// One operation of the document: its method, path and summary, opening to its parameters,
// request body and responses.
import type { Content, Listed, Schema } from './model';
import { SchemaView } from './SchemaView';
import { typeLabel } from './model';

export function OperationView({ listed, schemas }: { listed: Listed; schemas: Record<string, Schema> }) {
  const { method, path, operation } = listed;
  const parameters = operation.parameters ?? [];
  return (
    <details class="operation" id={operation.operationId}>
      <summary>
        <span class={`method method-${method}`}>{method.toUpperCase()}</span> <code class="operation-path">{path}</code>{' '}
        <span class="operation-summary">{operation.summary}</span>
      </summary>
      <div class="operation-body">
        {operation.description && <p>{operation.description}</p>}
        {parameters.length > 0 && (
          <>
            <h4>Parameters</h4>
            <table class="parameters">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">In</th>
                  <th scope="col">Type</th>
                  <th scope="col">Description</th>
                </tr>
              </thead>
              <tbody>
                {parameters.map((parameter) => (
                  <tr key={`${parameter.in}-${parameter.name}`}>
                    <td>
                      <code>{parameter.name}</code>
                      {parameter.required && <span class="schema-required"> required</span>}
                    </td>
                    <td>{parameter.in}</td>
                    <td>{parameter.schema ? typeLabel(parameter.schema) : 'any'}</td>
                    <td>{parameter.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
        {operation.requestBody && (
          <>
            <h4>Request body{operation.requestBody.required ? '' : ' (optional)'}</h4>
            <ContentView content={operation.requestBody.content} schemas={schemas} />
          </>
        )}
        <h4>Responses</h4>
        <ul class="responses">
          {Object.entries(operation.responses ?? {}).map(([status, response]) => (
            <li key={status}>
              <strong class="status-code">{status}</strong> {response.description}
              <ContentView content={response.content} schemas={schemas} />
            </li>
          ))}
        </ul>
      </div>
    </details>
  );
}

function ContentView({ content, schemas }: { content?: Content; schemas: Record<string, Schema> }) {
  const entries = Object.entries(content ?? {});
  if (entries.length === 0) return null;
  return (
    <div class="content">
      {entries.map(([mediaType, { schema }]) => (
        <div key={mediaType}>
          <span class="muted">{mediaType}</span>
          {schema && <SchemaView schema={schema} schemas={schemas} />}
        </div>
      ))}
    </div>
  );
}
