"""The official `skyvern` Python SDK (PyPI, 1.0.56) against a running appliance, unchanged.

The appliance binary is started with a temporary data directory and a known API key, and the
fixture pages of tests/fixtures are served locally (both by tests/conftest.py). Code runs carry
their action script through the SDK's own `request_options={"additional_body_parameters": ...}`.
"""

import asyncio

import httpx
import pytest
import skyvern
from conftest import appliance, wait_for_run
from skyvern.client import Skyvern as SkyvernClient
from skyvern.client.core.api_error import ApiError

API_KEY = "skv_sdk_test_key_0123456789"


@pytest.fixture(scope="session")
def base_url():
    with appliance(API_KEY, BROWSER__POOL_SIZE="1") as url:
        yield url


@pytest.fixture(scope="session")
def client(base_url):
    return SkyvernClient(base_url=base_url, api_key=API_KEY)


def order_script():
    return [
        {"action": "fill", "selector": "#name", "value": "Grace Hopper"},
        {"action": "select_option", "selector": "#country", "value": "de"},
        {"action": "click", "selector": "#next"},
        {"action": "fill", "selector": "#email", "value": "grace@example.org"},
        {"action": "click", "selector": "#submit"},
        {"action": "extract", "fields": {"name": "#name", "country": "#country", "total": "#total"}},
    ]


SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "country": {"type": "string"}, "total": {"type": "number"}},
}


def start_code_run(client, url, script, **fields):
    return client.run_task(
        prompt="Place an order",
        url=url,
        request_options={"additional_body_parameters": {"script": script}},
        **fields,
    )


def test_run_task_runs_a_script_to_completion_with_its_output(client, fixtures_url):
    created = start_code_run(client, f"{fixtures_url}/form.html", order_script(), data_extraction_schema=SCHEMA, title="sdk order")
    assert created.run_id.startswith("tsk_")
    assert created.status == "queued"
    run = wait_for_run(client, created.run_id)
    assert run.status == "completed", run.failure_reason
    assert run.run_type == "task_v1"
    assert run.output == {"name": "Grace Hopper", "country": "Germany", "total": 1234.5}
    assert run.started_at is not None and run.finished_at is not None
    assert run.run_request.prompt == "Place an order"
    assert run.screenshot_urls and len(run.screenshot_urls) == 7
    assert run.recording_url and run.recording_url.endswith("/content")
    video = httpx.get(run.recording_url, headers={"x-api-key": API_KEY, "range": "bytes=0-15"})
    assert video.status_code == 206 and video.headers["content-type"] == "video/mp4"
    assert video.content[4:8] == b"ftyp"


def test_get_runs_lists_runs_with_the_required_fields(client, fixtures_url):
    created = start_code_run(client, f"{fixtures_url}/small.html", [{"action": "wait", "ms": 1}], title="listed")
    wait_for_run(client, created.run_id)
    runs = client.get_runs_v2(page=1, page_size=50)
    assert created.run_id in [r.run_id for r in runs]
    item = next(r for r in runs if r.run_id == created.run_id)
    assert item.task_run_id == created.run_id and item.task_run_type == "task_v1" and item.title == "listed"
    completed = client.get_runs_v2(status=["completed"], page_size=50)
    assert completed and all(r.status == "completed" for r in completed)


def test_cancel_run_and_bulk_cancel_runs(client, fixtures_url):
    long_wait = [{"action": "wait_for_text", "text": "never", "timeout_ms": 60000}]
    first = start_code_run(client, f"{fixtures_url}/small.html", long_wait)
    second = start_code_run(client, f"{fixtures_url}/small.html", long_wait)
    third = start_code_run(client, f"{fixtures_url}/small.html", long_wait)
    client.cancel_run(first.run_id)
    assert wait_for_run(client, first.run_id).status == "canceled"
    result = client.bulk_cancel_runs(run_ids=[second.run_id, third.run_id, "tsk_1"])
    assert sorted(result.cancelled) == sorted([second.run_id, third.run_id])
    assert result.failed == ["tsk_1"]
    assert wait_for_run(client, second.run_id).status == "canceled"
    assert wait_for_run(client, third.run_id).status == "canceled"
    with pytest.raises(ApiError) as finished:
        client.cancel_run(first.run_id)
    assert finished.value.status_code == 409


def test_artifacts_are_listed_and_their_content_is_served(client, fixtures_url):
    script = [{"action": "extract", "fields": {"title": "#title"}}]
    created = start_code_run(client, f"{fixtures_url}/small.html", script)
    wait_for_run(client, created.run_id)
    artifacts = client.get_run_artifacts(created.run_id)
    kinds = sorted(a.artifact_type for a in artifacts)
    assert kinds == ["recording", "screenshot_action", "screenshot_action", "script_file"]
    assert all(a.organization_id and a.created_at and a.modified_at for a in artifacts)
    script_file = next(a for a in artifacts if a.artifact_type == "script_file")
    assert client.artifacts.get_artifact_content(script_file.artifact_id) == script
    screenshots = client.get_run_artifacts(created.run_id, artifact_type="screenshot_action")
    assert len(screenshots) == 2


def test_get_run_timeline_parses(client, fixtures_url):
    created = start_code_run(client, f"{fixtures_url}/small.html", [{"action": "wait", "ms": 1}])
    wait_for_run(client, created.run_id)
    timeline = client.get_run_timeline(created.run_id)
    assert [item.type for item in timeline] == ["block", "action", "action"]


def test_get_version(client):
    version = client.get_version()
    assert version["version"]


def test_unknown_runs_and_bad_keys_are_clear_errors(client, base_url):
    with pytest.raises(ApiError) as missing:
        client.get_run("tsk_404")
    assert missing.value.status_code == 404
    with pytest.raises(ApiError) as forbidden:
        SkyvernClient(base_url=base_url, api_key="skv_wrong").get_version()
    assert forbidden.value.status_code == 403


def test_the_high_level_client_waits_for_completion(base_url, fixtures_url):
    async def main():
        client = skyvern.Skyvern(base_url=base_url, api_key=API_KEY)
        return await client.run_task(
            prompt="Read the title",
            url=f"{fixtures_url}/small.html",
            data_extraction_schema={"type": "object", "properties": {"title": {"type": "string"}}},
            wait_for_completion=True,
            timeout=120,
            request_options={"additional_body_parameters": {"script": [{"action": "extract", "fields": {"title": "#title"}}]}},
        )

    run = asyncio.run(main())
    assert run.status == "completed"
    assert run.output == {"title": "A small page"}
