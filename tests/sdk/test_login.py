"""Signing in with a stored credential through the official `skyvern` SDK (PyPI, 1.0.56),
unchanged: `create_credential`, then `login` with `credential_type="skyvern"`, which answers a
workflow run that signs in on a fixture page. The model is played by a small local server that
speaks OpenAI's chat completions and reads the page from the prompt, as the real one would; it
sees the credential's placeholders, never its password."""

import http.server
import json
import re
import threading

import pytest
from conftest import answer_chat_completion, appliance, wait_for_run
from skyvern.client import NonEmptyPasswordCredential
from skyvern.client import Skyvern as SkyvernClient
from skyvern.client.core.api_error import ApiError

API_KEY = "skv_sdk_login_key_0123456789"
# The password login.html accepts.
PASSWORD = "correct horse battery"


def element(prompt, needle):
    """The id of the element whose line in the prompt holds `needle`."""
    for line in prompt.splitlines():
        if line.startswith("[") and needle in line:
            return line[1 : line.index("]")]
    raise AssertionError(f"no element with {needle!r} in the prompt:\n{prompt}")


def decide(prompt):
    """Signs in on the login page with the credential the goal names, then completes."""
    page = prompt[prompt.index("The page now:") :]
    if "Welcome back" in page:
        return [{"action": "complete", "intent": "signed in"}]
    credential = re.search(r"\{\{credential\.(cred_\w+)\.password\}\}", prompt).group(1)
    return [
        {"action": "fill", "element": element(page, "Account number"), "text": f"{{{{credential.{credential}.username}}}}"},
        {"action": "fill", "element": element(page, "Password"), "text": f"{{{{credential.{credential}.password}}}}"},
        {"action": "click", "element": element(page, 'button "Sign in"')},
    ]


class Model(http.server.BaseHTTPRequestHandler):
    prompts = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        content = body["messages"][-1]["content"]
        prompt = content if isinstance(content, str) else "\n".join(p.get("text", "") for p in content)
        Model.prompts.append(json.dumps(body))
        answer_chat_completion(self, decide(prompt), {"prompt_tokens": 100, "completion_tokens": 10})

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def client():
    model = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Model)
    threading.Thread(target=model.serve_forever, daemon=True).start()
    settings = {
        "BROWSER__POOL_SIZE": "1",
        "LLM__PROVIDER": "openai",
        "LLM__BASE_URL": f"http://127.0.0.1:{model.server_address[1]}/v1",
        "LLM__MODEL": "test-model",
        "LLM__VISION": "false",
    }
    with appliance(API_KEY, **settings) as url:
        yield SkyvernClient(base_url=url, api_key=API_KEY)
    model.shutdown()


def test_login_signs_in_with_a_stored_credential_that_the_model_never_sees(client, fixtures_url):
    credential = client.create_credential(
        name="Bank",
        credential_type="password",
        credential=NonEmptyPasswordCredential(username="ada", password=PASSWORD),
    )
    started = client.login(credential_type="skyvern", credential_id=credential.credential_id, url=f"{fixtures_url}/login.html")
    assert started.run_id.startswith("wr_") and started.run_type == "workflow_run"
    run = wait_for_run(client, started.run_id)
    assert run.status == "completed", run
    prompts = "\n".join(Model.prompts)
    assert f"{{{{credential.{credential.credential_id}.password}}}}" in prompts
    assert PASSWORD not in prompts


def test_a_login_through_another_vault_is_refused_with_422(client):
    with pytest.raises(ApiError) as refused:
        client.login(credential_type="bitwarden", bitwarden_item_id="item", url="https://example.org")
    assert refused.value.status_code == 422
    assert refused.value.body["detail"][0]["loc"] == ["body", "credential_type"]
