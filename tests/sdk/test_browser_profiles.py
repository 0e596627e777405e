"""Browser profiles through the official `skyvern` SDK (PyPI, 1.0.56), unchanged: a session kept
for a profile, the profile made from it, read, listed, renamed, a new session started from it
signed in, then deleted."""

import pytest
from conftest import appliance, wait_for_run
from skyvern.client import Skyvern as SkyvernClient
from skyvern.client.errors import NotFoundError

API_KEY = "skv_sdk_profiles_key_0123456789"


@pytest.fixture(scope="module")
def client():
    with appliance(API_KEY) as url:
        yield SkyvernClient(base_url=url, api_key=API_KEY)


def code_run(client, url, script, session_id):
    run = client.run_task(
        prompt="On a session",
        url=url,
        browser_session_id=session_id,
        request_options={"additional_body_parameters": {"script": script}},
    )
    return wait_for_run(client, run.run_id)


def test_a_session_started_from_a_profile_of_another_session_is_signed_in(client, fixtures_url):
    page = f"{fixtures_url}/account.html"
    first = client.create_browser_session(url=page)
    sign_in = [
        {"action": "fill", "selector": "#user", "value": "ada"},
        {"action": "click", "selector": "#login"},
        {"action": "wait_for_text", "text": "Signed in as ada"},
    ]
    assert code_run(client, page, sign_in, first.browser_session_id).status == "completed"
    kept = client.update_browser_session(first.browser_session_id, generate_browser_profile=True)
    assert kept.generate_browser_profile is True
    client.close_browser_session(first.browser_session_id)

    profile = client.create_browser_profile(name="Ada", browser_session_id=first.browser_session_id)
    assert profile.browser_profile_id.startswith("bp_")
    assert client.get_browser_profile(profile.browser_profile_id).name == "Ada"
    assert [p.browser_profile_id for p in client.list_browser_profiles()] == [profile.browser_profile_id]
    renamed = client.update_browser_profile(profile.browser_profile_id, name="Ada Lovelace")
    assert renamed.name == "Ada Lovelace"

    second = client.create_browser_session(url=page, browser_profile_id=profile.browser_profile_id)
    assert second.browser_profile_id == profile.browser_profile_id
    status = [{"action": "extract", "fields": {"status": "#status"}}]
    assert code_run(client, page, status, second.browser_session_id).output == {"status": "Signed in as ada"}
    client.close_browser_session(second.browser_session_id)

    client.delete_browser_profile(profile.browser_profile_id)
    with pytest.raises(NotFoundError):
        client.get_browser_profile(profile.browser_profile_id)
