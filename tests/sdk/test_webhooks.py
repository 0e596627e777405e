"""Webhooks verified by others' code: the `standardwebhooks` package (PyPI) checks the
`webhook-signature` of deliveries made by the appliance binary, and the `skyvern` SDK's
`retry_run_webhook` reads the replay's answer.

The receiver is a small HTTP server in the test; webhooks to this machine are allowed for it
(`WEBHOOKS__ALLOW_PRIVATE`). The signing secret is configured: once as a Standard Webhooks secret
(`whsec_…`), once as a plain text (as a Skyvern receiver's API key would be), which Standard
Webhooks libraries verify as `whsec_` + base64 of the text.
"""

import base64
import hashlib
import hmac
import http.server
import json
import secrets
import threading
import time

import pytest
from conftest import appliance
from skyvern.client import Skyvern as SkyvernClient
from standardwebhooks import Webhook

API_KEY = "skv_webhooks_test_key_0123456789"
SECRETS = {
    "standard": "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
    "plain text": "a-skyvern-api-key-used-as-the-secret",
}


class Receiver(http.server.ThreadingHTTPServer):
    """Keeps each request's headers and exact body, and answers 200."""

    def __init__(self):
        self.received = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                outer.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/hooks"

    def wait_for(self, count, timeout=60):
        deadline = time.time() + timeout
        while len(self.received) < count:
            assert time.time() < deadline, f"the receiver got {len(self.received)} of {count} requests"
            time.sleep(0.05)
        return self.received


@pytest.fixture(scope="module", params=list(SECRETS), ids=list(SECRETS))
def signed(request):
    secret = SECRETS[request.param]
    settings = {"BROWSER__POOL_SIZE": "1", "WEBHOOKS__ALLOW_PRIVATE": "true", "WEBHOOKS__SIGNING_SECRET": secret}
    with appliance(API_KEY, **settings) as url:
        yield SkyvernClient(base_url=url, api_key=API_KEY), secret


def standard_verifier(secret):
    """A Standard Webhooks verifier for the appliance's secret."""
    if secret.startswith("whsec_"):
        return Webhook(secret)
    return Webhook("whsec_" + base64.b64encode(secret.encode()).decode())


def completed_run_with_webhook(client, fixtures_url, webhook_url):
    script = [{"action": "extract", "fields": {"title": "#title"}}]
    run = client.run_task(
        prompt="Read the title",
        url=f"{fixtures_url}/small.html",
        webhook_url=webhook_url,
        request_options={"additional_body_parameters": {"script": script}},
    )
    return run.run_id


def test_standard_webhooks_verifies_a_delivery_and_skyverns_signature_matches(signed, fixtures_url):
    client, secret = signed
    receiver = Receiver()
    run_id = completed_run_with_webhook(client, fixtures_url, receiver.url)
    headers, body = receiver.wait_for(1)[0]

    payload = standard_verifier(secret).verify(body, headers)
    assert payload["run_id"] == run_id
    assert payload["event_type"] == "task_run.completed"
    assert payload["output"] == {"title": "A small page"}
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["x-skyvern-signature"] == expected
    receiver.shutdown()


def test_the_sdks_retry_run_webhook_reads_a_replay_that_standard_webhooks_verifies(signed, fixtures_url):
    client, secret = signed
    receiver = Receiver()
    run_id = completed_run_with_webhook(client, fixtures_url, receiver.url)
    receiver.wait_for(1)

    replay = client.retry_run_webhook(run_id)
    assert replay.run_id == run_id
    assert replay.target_webhook_url == receiver.url
    assert replay.status_code == 200 and replay.error is None
    headers, body = receiver.wait_for(2)[1]
    assert body == replay.payload.encode()
    assert standard_verifier(secret).verify(replay.payload, replay.headers)["run_id"] == run_id
    assert json.loads(body)["status"] == "completed"
    receiver.shutdown()
