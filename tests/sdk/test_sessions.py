"""Browser sessions through the official `skyvern` SDK (PyPI, 1.0.56), unchanged: open one, read
it and list it, run tasks on it that share its cookies, close it."""

import pytest
from conftest import appliance, wait_for_run
from skyvern.client import Skyvern as SkyvernClient

API_KEY = "skv_sdk_sessions_key_0123456789"


@pytest.fixture(scope="module")
def client():
    with appliance(API_KEY, BROWSER__POOL_SIZE="2") as url:
        yield SkyvernClient(base_url=url, api_key=API_KEY)


def code_run(client, url, script, session_id):
    return client.run_task(
        prompt="On a session",
        url=url,
        browser_session_id=session_id,
        request_options={"additional_body_parameters": {"script": script}},
    )


def test_a_session_keeps_its_cookies_between_runs_until_it_is_closed(client, fixtures_url):
    opened = client.create_browser_session(url=f"{fixtures_url}/account.html", timeout=15)
    assert opened.browser_session_id.startswith("pbs_")
    assert opened.status == "running" and opened.timeout == 15

    read = client.get_browser_session(opened.browser_session_id)
    assert read.browser_session_id == opened.browser_session_id
    assert opened.browser_session_id in [s.browser_session_id for s in client.get_browser_sessions()]

    sign_in = [
        {"action": "fill", "selector": "#user", "value": "grace"},
        {"action": "click", "selector": "#login"},
        {"action": "wait_for_text", "text": "Signed in as grace"},
    ]
    first = code_run(client, f"{fixtures_url}/account.html", sign_in, opened.browser_session_id)
    assert wait_for_run(client, first.run_id).status == "completed"
    status = [{"action": "extract", "fields": {"status": "#status"}}]
    second = code_run(client, f"{fixtures_url}/account.html", status, opened.browser_session_id)
    assert wait_for_run(client, second.run_id).output == {"status": "Signed in as grace"}

    client.close_browser_session(opened.browser_session_id)
    closed = client.get_browser_session(opened.browser_session_id)
    assert closed.status == "closed" and closed.completed_at is not None
    assert opened.browser_session_id not in [s.browser_session_id for s in client.get_browser_sessions()]


def test_a_sessions_downloads_are_file_infos_the_sdk_reads(client, fixtures_url):
    opened = client.create_browser_session(url=f"{fixtures_url}/downloads.html", timeout=15)
    assert opened.browser_address is None, "no CDP address unless sessions.expose_cdp is on"
    assert opened.download_path and opened.downloaded_files == [] and opened.recordings == []
    download = [{"action": "download", "selector": "#report"}]
    run = code_run(client, f"{fixtures_url}/downloads.html", download, opened.browser_session_id)
    assert wait_for_run(client, run.run_id).status == "completed"
    read = client.get_browser_session(opened.browser_session_id)
    assert [f.filename for f in read.downloaded_files] == ["report.csv"]
    assert len(read.downloaded_files[0].checksum) == 64 and read.downloaded_files[0].url.startswith("http")
    client.close_browser_session(opened.browser_session_id)
