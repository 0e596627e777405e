"""Plan schedules through the official `skyvern` SDK (PyPI, 1.0.56), unchanged: create, read,
list (one plan's and everyone's), replace, pause, resume and delete a schedule, and read the
refusal of one that would fire too often."""

import pytest
from conftest import appliance
from skyvern.client import Skyvern as SkyvernClient
from skyvern.client.core.api_error import ApiError

API_KEY = "skv_sdk_schedules_key_0123456789"

PLAN = {
    "title": "Morning report",
    "workflow_definition": {
        "parameters": [{"parameter_type": "workflow", "key": "city", "workflow_parameter_type": "string"}],
        "blocks": [{"block_type": "wait", "label": "pause", "wait_sec": 0}],
    },
}


@pytest.fixture(scope="module")
def client():
    with appliance(API_KEY, BROWSER__POOL_SIZE="1") as url:
        yield SkyvernClient(base_url=url, api_key=API_KEY)


def test_a_schedule_is_created_read_listed_replaced_paused_and_deleted(client):
    plan_id = client.create_workflow(json_definition=PLAN).workflow_permanent_id

    created = client.schedules.create(
        plan_id, cron_expression="0 9 * * 1-5", timezone="Europe/Paris", parameters={"city": "Lyon"}, name="Weekdays"
    )
    schedule_id = created.schedule.workflow_schedule_id
    assert schedule_id.startswith("wfs_")
    assert created.schedule.enabled and created.schedule.parameters == {"city": "Lyon"}
    assert len(created.next_runs) == 5
    assert all(run.weekday() < 5 and run.hour in (7, 8) and run.minute == 0 for run in created.next_runs)

    assert client.schedules.get(plan_id, schedule_id).schedule.name == "Weekdays"
    assert [s.workflow_schedule_id for s in client.schedules.list(plan_id).schedules] == [schedule_id]
    everyone = client.schedules.list_all(status="active", search="morning")
    assert everyone.total_count == 1
    assert everyone.schedules[0].workflow_title == "Morning report"
    assert everyone.schedules[0].next_run == created.next_runs[0]

    replaced = client.schedules.update(
        plan_id, schedule_id, cron_expression="30 6 * * *", timezone="UTC", parameters={"city": "Nice"}
    )
    assert replaced.schedule.cron_expression == "30 6 * * *"
    assert all((run.hour, run.minute) == (6, 30) for run in replaced.next_runs)
    assert client.schedules.disable(plan_id, schedule_id).schedule.enabled is False
    assert client.schedules.list_all(status="paused").total_count == 1
    assert client.schedules.enable(plan_id, schedule_id).schedule.enabled is True

    assert client.schedules.delete(plan_id, schedule_id).ok is True
    with pytest.raises(ApiError) as gone:
        client.schedules.get(plan_id, schedule_id)
    assert gone.value.status_code == 404


def test_a_schedule_that_would_fire_too_often_is_refused_with_skyverns_message(client):
    plan_id = client.create_workflow(json_definition=PLAN).workflow_permanent_id
    with pytest.raises(ApiError) as refused:
        client.schedules.create(plan_id, cron_expression="* * * * *", timezone="UTC", parameters={"city": "Lyon"})
    assert refused.value.status_code == 400
    assert refused.value.body["detail"] == "Cron interval must be at least 5 minutes"
