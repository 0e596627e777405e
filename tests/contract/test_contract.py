"""The contract check: an API document, run by schemathesis against the operations of it that
this appliance serves, on the real binary.

Each `Document` names an OpenAPI document, the operations of it that the appliance serves, and
the appliance's deliberate differences from it (`differences.py`): Skyvern's published document
(copied into this repository, as CI runs on a clone of it alone), and the appliance's own
(`GET /v1/openapi.json`, read from the running binary), every operation of it but the streams
that schemathesis cannot drive. Everything else in a document is left out of the check; every
served operation is held to it: documented status codes, responses that match their schemas,
405 with `Allow` for other methods, no 5xx. The number of test cases schemathesis generated for
each document is printed (`-s` shows it).

The appliance runs on a temporary data directory with a known key; a code run on a local
fixture page gives schemathesis real run and artifact ids to use beside the ones it invents.
Runs that schemathesis creates start Chromium on whatever URL it made up: nothing outside the
machine is reachable, so they fail fast, and their time budget is short. Their model provider is
a closed local port, so agent runs are accepted and end at their first step.
"""

import copy
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import httpx
import pytest
from conftest import appliance

import differences

HERE = Path(__file__).resolve().parent
API_KEY = "skv_contract_check_key_0123456789"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
# Bounded and derandomized, so a run takes the same path each time and fits CI on 2 cores.
EXAMPLES_PER_OPERATION = 100
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "unsupported_method",
    "allow_header_conformance",
]


@dataclass
class Document:
    name: str
    # Reads the document, given the running appliance's base URL.
    load: Callable[[str], dict]
    # (method, path) of every operation of the document that the appliance serves; `None`:
    # every operation but those in `streams`.
    served: list | None
    # Edits the document (and its served operations) with the appliance's deliberate differences.
    differences: Callable
    # Operations that answer a stream that never ends on its own, which schemathesis cannot
    # drive: left out of the check.
    streams: tuple = ()


def published(name: str) -> Callable[[str], dict]:
    return lambda _base_url: json.loads((HERE / name).read_text())


def served_by(base_url: str) -> dict:
    response = httpx.get(f"{base_url}/v1/openapi.json", headers={"x-api-key": API_KEY})
    response.raise_for_status()
    return response.json()


DOCUMENTS = [
    Document(
        name="skyvern",
        load=published("skyvern_openapi.json"),
        served=[
            ("post", "/v1/run/tasks"),
            ("get", "/v1/runs"),
            ("get", "/v1/runs/{run_id}"),
            ("post", "/v1/runs/{run_id}/cancel"),
            ("post", "/v1/runs/cancel"),
            ("get", "/v1/runs/{run_id}/artifacts"),
            ("get", "/v1/artifacts/{artifact_id}/content"),
            ("get", "/v1/runs/{run_id}/timeline"),
            ("post", "/v1/runs/{run_id}/retry_webhook"),
            ("post", "/v1/upload_file"),
            ("get", "/v1/version"),
            ("post", "/v1/agents"),
            ("get", "/v1/agents"),
            ("get", "/v1/agents/{workflow_permanent_id}"),
            ("post", "/v1/agents/{workflow_id}"),
            ("post", "/v1/agents/{workflow_id}/delete"),
            ("get", "/v1/agents/{workflow_permanent_id}/versions"),
            ("post", "/v1/run/agents"),
            ("get", "/v1/agents/runs"),
            ("get", "/v1/agents/{workflow_id}/runs"),
            ("post", "/v1/agents/runs/{workflow_run_id}/retry"),
            ("get", "/v1/schedules"),
            ("post", "/v1/agents/{workflow_permanent_id}/schedules"),
            ("get", "/v1/agents/{workflow_permanent_id}/schedules"),
            ("get", "/v1/agents/{workflow_permanent_id}/schedules/{workflow_schedule_id}"),
            ("put", "/v1/agents/{workflow_permanent_id}/schedules/{workflow_schedule_id}"),
            ("delete", "/v1/agents/{workflow_permanent_id}/schedules/{workflow_schedule_id}"),
            ("post", "/v1/agents/{workflow_permanent_id}/schedules/{workflow_schedule_id}/enable"),
            ("post", "/v1/agents/{workflow_permanent_id}/schedules/{workflow_schedule_id}/disable"),
            ("post", "/v1/credentials"),
            ("get", "/v1/credentials"),
            ("get", "/v1/credentials/{credential_id}"),
            ("post", "/v1/credentials/{credential_id}/update"),
            ("post", "/v1/credentials/{credential_id}/delete"),
            ("post", "/v1/credentials/totp"),
            ("post", "/v1/run/tasks/login"),
            ("post", "/v1/run/tasks/download_files"),
            ("post", "/v1/browser_sessions"),
            ("get", "/v1/browser_sessions"),
            ("get", "/v1/browser_sessions/{browser_session_id}"),
            ("post", "/v1/browser_sessions/{browser_session_id}/close"),
            ("post", "/v1/browser_profiles"),
            ("get", "/v1/browser_profiles"),
            ("get", "/v1/browser_profiles/{profile_id}"),
            ("patch", "/v1/browser_profiles/{profile_id}"),
            ("delete", "/v1/browser_profiles/{profile_id}"),
            ("patch", "/v1/browser_sessions/{browser_session_id}"),
        ],
        differences=differences.skyvern,
    ),
    Document(
        name="appliance",
        load=served_by,
        served=None,
        differences=lambda document, operations: None,
        streams=(
            # Server-sent events, when asked with `Accept: text/event-stream`.
            ("get", "/v1/events"),
            ("get", "/v1/runs/{run_id}/events"),
            # WebSockets.
            ("get", "/v1/runs/{run_id}/live"),
            ("get", "/v1/browser_sessions/{browser_session_id}/live"),
            ("get", "/cdp/{browser_session_id}/{token}"),
        ),
    ),
]


def served_document(document: Document, base_url: str) -> dict:
    """The document with only the served operations, and the differences applied."""
    original = document.load(base_url)
    served = document.served
    if served is None:
        every = [(m, p) for p, item in original["paths"].items() for m in item if m in METHODS]
        served = [operation for operation in every if operation not in document.streams]
    missing = [f"{m.upper()} {p}" for m, p in [*served, *document.streams] if m not in original["paths"].get(p, {})]
    assert not missing, f"operations not in {document.name}'s document: {missing}"
    edited = copy.deepcopy(original)
    edited["paths"] = {}
    for method, path in served:
        item = edited["paths"].setdefault(path, {})
        item.update({k: v for k, v in original["paths"][path].items() if k not in METHODS})
        item[method] = copy.deepcopy(original["paths"][path][method])
    operations = [item[m] for item in edited["paths"].values() for m in item if m in METHODS]
    document.differences(edited, operations)
    return edited


def seeded_ids(base_url: str, fixtures_url: str) -> dict:
    """Ids of a finished run, of its artifacts, of a saved plan, of its finished run, of its
    schedule, of a credential, of a browser profile and of a closed browser session, for
    schemathesis to use."""
    headers = {"x-api-key": API_KEY}
    script = [{"action": "screenshot"}]
    run = httpx.post(
        f"{base_url}/v1/run/tasks",
        headers=headers,
        # Its webhook goes to this machine, which is refused at once: replays of it answer 200.
        json={
            "prompt": "seed",
            "url": f"{fixtures_url}/small.html",
            "script": script,
            "webhook_url": f"{fixtures_url}/hook",
        },
    ).json()
    deadline = time.time() + 60
    while httpx.get(f"{base_url}/v1/runs/{run['run_id']}", headers=headers).json()["status"] != "completed":
        assert time.time() < deadline, "the seeded run did not complete"
        time.sleep(0.2)
    artifacts = httpx.get(f"{base_url}/v1/runs/{run['run_id']}/artifacts", headers=headers).json()
    plan = {"title": "seed", "workflow_definition": {"parameters": [], "blocks": [{"block_type": "wait", "label": "pause"}]}}
    saved = httpx.post(f"{base_url}/v1/agents", headers=headers, json={"json_definition": plan}).json()
    plan_ids = [saved["workflow_permanent_id"]]
    plan_run = httpx.post(f"{base_url}/v1/run/agents", headers=headers, json={"agent_id": plan_ids[0]}).json()
    while httpx.get(f"{base_url}/v1/runs/{plan_run['run_id']}", headers=headers).json()["status"] != "completed":
        assert time.time() < deadline, "the seeded plan run did not complete"
        time.sleep(0.2)
    schedule = httpx.post(
        f"{base_url}/v1/agents/{plan_ids[0]}/schedules",
        headers=headers,
        json={"cron_expression": "0 9 * * *", "timezone": "Europe/Paris"},
    ).json()
    credential = httpx.post(
        f"{base_url}/v1/credentials",
        headers=headers,
        json={"name": "seed", "credential_type": "secret", "credential": {"secret_value": "seed"}},
    ).json()
    profile = httpx.post(
        f"{base_url}/v1/browser_profiles",
        headers=headers,
        json={"name": "seed", "workflow_run_id": run["run_id"]},
    ).json()
    # Closed again at once, so the one browser slot is free for the sessions schemathesis opens.
    session = httpx.post(f"{base_url}/v1/browser_sessions", headers=headers, json={}).json()
    httpx.post(f"{base_url}/v1/browser_sessions/{session['browser_session_id']}/close", headers=headers)
    return {
        "browser_session_id": [session["browser_session_id"]],
        "credential_id": [credential["credential_id"]],
        "profile_id": [profile["browser_profile_id"]],
        "workflow_run_id": [plan_run["run_id"]],
        "run_id": [run["run_id"]],
        "artifact_id": [a["artifact_id"] for a in artifacts],
        "workflow_permanent_id": plan_ids,
        "workflow_id": plan_ids,
        "workflow_schedule_id": [schedule["schedule"]["workflow_schedule_id"]],
    }


def config_toml(ids: dict) -> str:
    """schemathesis' configuration: the seeded ids, offered half of the time."""
    lines = []
    for name, values in ids.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]
    lines.append("[parameters]")
    lines += [f'"path.{name}" = {{ dictionary = "{name}", probability = 0.5 }}' for name in ids]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def base_url():
    settings = {
        "BROWSER__POOL_SIZE": "1",
        "RUNS__TIME_BUDGET_SECONDS": "10",
        "RECORDING__ENABLED": "false",
        "LLM__PROVIDER": "openai",
        "LLM__BASE_URL": "http://127.0.0.1:9/v1",
        "LLM__MAX_RETRIES": "0",
        "WEBHOOKS__TIMEOUT_SECONDS": "2",
        # A session holds the one slot for its life: more are refused at once (429).
        "SESSIONS__SLOT_WAIT_SECONDS": "0",
    }
    with appliance(API_KEY, **settings) as url:
        yield url


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda document: document.name)
def test_the_served_operations_keep_to_the_document(document, base_url, fixtures_url, tmp_path):
    schema = tmp_path / f"{document.name}.json"
    schema.write_text(json.dumps(served_document(document, base_url)))
    config = tmp_path / "schemathesis.toml"
    config.write_text(config_toml(seeded_ids(base_url, fixtures_url)))
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        str(schema),
        "--url",
        base_url,
        "--header",
        f"x-api-key: {API_KEY}",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--generation-deterministic",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-color",
    ]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=1800)
    print(result.stdout[-20000:], result.stderr[-5000:])
    generated = re.search(r"(\d+) generated", result.stdout)
    print(f"schemathesis generated {generated[1] if generated else 'no'} test cases for the {document.name} document")
    assert result.returncode == 0, f"{document.name}: the appliance strays from the document (output above)"
