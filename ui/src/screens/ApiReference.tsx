// The API reference: the appliance's own OpenAPI document (`GET /v1/openapi.json`), its
// operations grouped by tag, each opening to its parameters, request body and responses.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox, Loading } from '../components/Notice';
import { useLoad } from '../components/useLoad';
import type { OpenApiDocument } from './api_reference/model';
import { groups } from './api_reference/model';
import { OperationView } from './api_reference/OperationView';
import './api_reference/api_reference.css';

export function ApiReference() {
  const document = useLoad(() => api<OpenApiDocument>('/openapi.json'), []);
  const [filter, setFilter] = useState('');
  const found = document.data ? groups(document.data, filter) : [];
  const schemas = document.data?.components?.schemas ?? {};
  return (
    <section class="api-reference">
      <h1>API</h1>
      <p class="muted">
        Every operation of this appliance, from its OpenAPI {document.data?.openapi ?? '3.1'} document at{' '}
        <a href="/v1/openapi.json">/v1/openapi.json</a>. Every <code>/v1</code> operation takes an API key in the{' '}
        <code>x-api-key</code> header.
      </p>
      {document.error && <ErrorBox title="The document could not be loaded">{document.error}</ErrorBox>}
      {document.loading && !document.data && <Loading />}
      {document.data && (
        <>
          <label class="api-filter">
            Filter
            <input type="search" value={filter} onInput={(event) => setFilter(event.currentTarget.value)} placeholder="a path, a method or a word" />
          </label>
          {found.length === 0 && <p class="empty">No operation matches.</p>}
          {found.map((group) => (
            <section key={group.tag} class="api-group" aria-labelledby={`tag-${group.tag.replace(/\W+/g, '-')}`}>
              <h2 id={`tag-${group.tag.replace(/\W+/g, '-')}`}>{group.tag}</h2>
              {group.description && <p class="muted">{group.description}</p>}
              {group.operations.map((listed) => (
                <OperationView key={`${listed.method} ${listed.path}`} listed={listed} schemas={schemas} />
              ))}
            </section>
          ))}
        </>
      )}
    </section>
  );
}
