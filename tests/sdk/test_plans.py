"""Plans through the official `skyvern` SDK (PyPI, 1.0.56), unchanged: create from JSON and YAML,
update into a new version, list, read versions, delete; run one, follow it to its end, list runs,
retry one, and read a run that waits for its reviewer."""

import httpx
import pytest
from conftest import appliance, wait_for_run
from skyvern.client import Skyvern as SkyvernClient
from skyvern.client.core.api_error import ApiError

API_KEY = "skv_sdk_plans_key_0123456789"

PLAN = {
    "title": "Read a title",
    "workflow_definition": {
        "parameters": [
            {"parameter_type": "workflow", "key": "page", "workflow_parameter_type": "string", "default_value": "https://example.org"}
        ],
        "blocks": [
            {"block_type": "goto_url", "label": "open", "url": "{{ page }}"},
            {"block_type": "wait", "label": "settle", "wait_sec": 0},
        ],
    },
}

PLAN_YAML = """
title: Read a title, from YAML
workflow_definition:
  parameters:
    - parameter_type: workflow
      key: page
      workflow_parameter_type: string
      default_value: https://example.org
  blocks:
    - block_type: goto_url
      label: open
      url: "{{ page }}"
    - block_type: wait
      label: settle
      wait_sec: 0
"""


@pytest.fixture(scope="module")
def client():
    with appliance(API_KEY, BROWSER__POOL_SIZE="1") as url:
        yield SkyvernClient(base_url=url, api_key=API_KEY)


def test_create_update_list_versions_and_delete_a_plan(client):
    created = client.create_workflow(json_definition=PLAN)
    assert created.workflow_permanent_id.startswith("wpid_")
    assert created.version == 1
    assert [block.label for block in created.workflow_definition.blocks] == ["open", "settle"]

    from_yaml = client.create_workflow(yaml_definition=PLAN_YAML)
    assert from_yaml.title == "Read a title, from YAML"

    renamed = dict(PLAN, title="Read a title, again")
    updated = client.update_workflow(created.workflow_permanent_id, json_definition=renamed)
    assert (updated.workflow_permanent_id, updated.version) == (created.workflow_permanent_id, 2)

    versions = client.get_workflow_versions(created.workflow_permanent_id)
    assert [version.version for version in versions] == [2, 1]
    listed = client.get_workflows(title="again")
    assert [plan.workflow_permanent_id for plan in listed] == [created.workflow_permanent_id]

    client.delete_workflow(created.workflow_permanent_id)
    with pytest.raises(ApiError) as refused:
        client.get_workflow(created.workflow_permanent_id)
    assert refused.value.status_code == 404


def test_a_broken_plan_is_a_422_naming_the_field(client):
    broken = {"title": "Broken", "workflow_definition": {"parameters": [], "blocks": [{"block_type": "wait", "label": "1 bad"}]}}
    with pytest.raises(ApiError) as refused:
        client.create_workflow(json_definition=broken)
    assert refused.value.status_code == 422
    assert refused.value.body["detail"][0]["loc"][-1] == "label"


def test_a_plan_built_from_the_sdks_own_models_is_saved(client):
    from skyvern.client import types

    request = types.WorkflowCreateYamlRequest(
        title="Typed",
        workflow_definition=types.WorkflowDefinitionYaml(
            parameters=[
                types.WorkflowDefinitionYamlParametersItem_Workflow(
                    key="page", workflow_parameter_type="string", default_value="https://example.org"
                )
            ],
            blocks=[
                types.WorkflowDefinitionYamlBlocksItem_GotoUrl(label="open", url="{{ page }}"),
                types.WorkflowDefinitionYamlBlocksItem_Task(label="act", navigation_goal="Click it"),
                types.WorkflowDefinitionYamlBlocksItem_ForLoop(
                    label="each",
                    loop_over_parameter_key="page",
                    loop_blocks=[types.ForLoopBlockYamlLoopBlocksItem_Wait(label="pause", wait_sec=1)],
                ),
            ],
        ),
    )
    saved = client.create_workflow(json_definition=request)
    assert [block.label for block in saved.workflow_definition.blocks] == ["open", "act", "each"]


def test_run_a_plan_follow_it_to_its_end_list_its_runs_and_retry_it(client, fixtures_url):
    plan = client.create_workflow(json_definition={
        "title": "Open and count",
        "workflow_definition": {
            "parameters": [
                {"parameter_type": "workflow", "key": "page", "workflow_parameter_type": "string"},
                {"parameter_type": "workflow", "key": "count", "workflow_parameter_type": "integer", "default_value": 1},
            ],
            "blocks": [
                {"block_type": "goto_url", "label": "open", "url": "{{ page }}", "next_block_label": "many"},
                {"block_type": "conditional", "label": "many", "next_block_label": "done", "branch_conditions": [
                    {"criteria": {"expression": "{{ count > 1 }}"}, "next_block_label": "pause"},
                    {"is_default": True, "next_block_label": "done"},
                ]},
                {"block_type": "wait", "label": "pause", "wait_sec": 0},
                {"block_type": "wait", "label": "done", "wait_sec": 0},
            ],
        },
    })
    started = client.run_workflow(agent_id=plan.workflow_permanent_id, parameters={"page": f"{fixtures_url}/small.html", "count": 3})
    assert started.run_id.startswith("wr_")
    assert started.run_type == "workflow_run"
    assert started.run_request.workflow_id == plan.workflow_permanent_id

    run = wait_for_run(client, started.run_id)
    assert run.status == "completed", run
    assert run.run_type == "workflow_run"
    assert run.output["many_output"]["next_block_label"] == "pause"
    assert run.output["pause_output"] == {"success": True}
    assert run.output["open_output"]["status"] == "completed"

    listed = client.get_workflow_runs()
    assert started.run_id in [item.workflow_run_id for item in listed]
    assert all(item.workflow_permanent_id for item in listed)

    retried = client.retry_workflow_run(started.run_id)
    assert retried.run_id != started.run_id
    assert wait_for_run(client, retried.run_id).output["pause_output"] == {"success": True}


def test_a_plan_run_waiting_for_its_reviewer_reads_through_the_sdk_and_goes_on_once_approved(client):
    plan = client.create_workflow(json_definition={
        "title": "Needs a reviewer",
        "workflow_definition": {"parameters": [], "blocks": [
            {"block_type": "human_interaction", "label": "sign_off", "instructions": "Check it"},
            {"block_type": "wait", "label": "after", "wait_sec": 0},
        ]},
    })
    started = client.run_workflow(agent_id=plan.workflow_permanent_id)
    waiting = wait_for_run(client, started.run_id, until={"review_required"})
    assert waiting.status == "review_required"

    approved = httpx.post(
        f"{client._client_wrapper.get_base_url()}/v1/runs/{started.run_id}/review",
        headers={"x-api-key": API_KEY},
        json={"decision": "approve", "comment": "looks right"},
    )
    assert approved.status_code == 200, approved.text
    run = wait_for_run(client, started.run_id)
    assert run.status == "completed"
    assert run.output["sign_off_output"]["comment"] == "looks right"
