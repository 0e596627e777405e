"""Uploaded files and a run's request through the official `skyvern` SDK (PyPI, 1.0.56), unchanged:
`upload_file` keeps the file the SDK sends, a run uploads it into a page, and the Python script
of `GET /v1/runs/{id}/request?format=python`, run as it is, makes an equal run."""

import os
import subprocess
import sys

import httpx
import pytest
from conftest import appliance, wait_for_run
from skyvern.client import Skyvern as SkyvernClient

API_KEY = "skv_sdk_files_key_0123456789"


@pytest.fixture(scope="session")
def base_url():
    with appliance(API_KEY, BROWSER__POOL_SIZE="1") as url:
        yield url


@pytest.fixture(scope="session")
def client(base_url):
    return SkyvernClient(base_url=base_url, api_key=API_KEY)


def apply_with(client, fixtures_url, cv):
    """A code run that uploads the file `cv` names into the fixture page, which shows it."""
    script = [
        {"action": "upload", "selector": "#cv", "file": "cv.txt"},
        {"action": "wait_for_text", "text": "cv.txt: Ada Lovelace, analyst"},
    ]
    return client.run_task(
        prompt="Apply",
        url=f"{fixtures_url}/upload.html",
        request_options={"additional_body_parameters": {"script": script, "files": {"cv.txt": cv}}},
    )


def test_upload_file_keeps_what_the_sdk_sends_and_hands_it_back(client):
    uploaded = client.upload_file(file="Ada Lovelace, analyst")
    assert uploaded.s3uri.startswith("skyvern-file://file_")
    assert uploaded.presigned_url.endswith("/content")
    assert uploaded.file_id == uploaded.s3uri.removeprefix("skyvern-file://")
    assert uploaded.size == len("Ada Lovelace, analyst")
    content = httpx.get(uploaded.presigned_url, headers={"x-api-key": API_KEY})
    assert content.status_code == 200
    assert content.text == "Ada Lovelace, analyst"


def test_a_run_uploads_an_uploaded_file_into_a_page(client, fixtures_url):
    uploaded = client.upload_file(file="Ada Lovelace, analyst")
    run = wait_for_run(client, apply_with(client, fixtures_url, uploaded.s3uri).run_id)
    assert run.status == "completed", run.failure_reason


def test_the_python_script_of_a_run_makes_an_equal_run(client, base_url, fixtures_url):
    uploaded = client.upload_file(file="Ada Lovelace, analyst")
    first = wait_for_run(client, apply_with(client, fixtures_url, uploaded.presigned_url).run_id)
    assert first.status == "completed", first.failure_reason
    headers = {"x-api-key": API_KEY}
    script = httpx.get(f"{base_url}/v1/runs/{first.run_id}/request", params={"format": "python"}, headers=headers)
    assert script.status_code == 200 and API_KEY not in script.text
    made = subprocess.run(
        [sys.executable, "-c", script.text],
        env=dict(os.environ, SKYVERN_API_KEY=API_KEY),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    run_id, status = made.stdout.split()
    assert run_id != first.run_id and status == "queued"
    assert wait_for_run(client, run_id).status == "completed"
    inputs = [
        httpx.get(f"{base_url}/v1/runs/{id}", params={"include": "input"}, headers=headers).json()["input"]
        for id in [first.run_id, run_id]
    ]
    assert inputs[0] == inputs[1]
