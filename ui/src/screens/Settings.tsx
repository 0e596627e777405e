// The settings page: API keys, the webhook signing secret, the model for the agent, and the
// browser pool and disk.
import { ApiKeys } from './settings/ApiKeys';
import { ModelProvider } from './settings/ModelProvider';
import { SystemStatusPanel } from './settings/SystemStatusPanel';
import { WebhookSecret } from './settings/WebhookSecret';
import './settings/settings.css';

export function Settings() {
  return (
    <section>
      <h1>Settings</h1>
      <ApiKeys />
      <WebhookSecret />
      <ModelProvider />
      <SystemStatusPanel />
    </section>
  );
}
