"""Where this appliance differs from Skyvern's OpenAPI document on purpose, as edits to the
document: the contract check accepts exactly these and nothing else. Each is listed in the
README ("Where we differ from Skyvern's API document"); keep the two in step."""

UNAUTHORIZED = {"description": "No API key (401) or an unknown or revoked one (403)"}
METHODS = {"get", "put", "post", "delete", "patch"}


def bad_key(operations):
    """401 without a key, 403 for a wrong or revoked one: Skyvern's document lists neither."""
    for operation in operations:
        operation["responses"].setdefault("401", UNAUTHORIZED)
        operation["responses"].setdefault("403", UNAUTHORIZED)


def cancel_of_an_ended_run(paths):
    """409 for cancelling a run that already ended."""
    paths["/v1/runs/{run_id}/cancel"]["post"]["responses"]["409"] = {"description": "The run already ended"}


def unknown_ids(paths):
    """404 for an unknown run, plan, schedule or credential on the operations whose document
    lists no 404, and for an unknown session or run a browser profile is to be made from."""
    for path, method in [
        ("/v1/runs/{run_id}/cancel", "post"),
        ("/v1/runs/{run_id}/artifacts", "get"),
        ("/v1/runs/{run_id}/retry_webhook", "post"),
        ("/v1/agents/{workflow_permanent_id}", "get"),
        ("/v1/agents/{workflow_id}", "post"),
        ("/v1/agents/{workflow_id}/delete", "post"),
        ("/v1/agents/{workflow_permanent_id}/versions", "get"),
        ("/v1/agents/{workflow_id}/runs", "get"),
        ("/v1/run/agents", "post"),
    ]:
        paths[path][method]["responses"].setdefault("404", {"description": "No such run or plan"})
    for path, method in [
        ("/v1/credentials/{credential_id}", "get"),
        ("/v1/credentials/{credential_id}/update", "post"),
        ("/v1/credentials/{credential_id}/delete", "post"),
    ]:
        paths[path][method]["responses"].setdefault("404", {"description": "No such credential"})
    paths["/v1/browser_profiles"]["post"]["responses"].setdefault(
        "404", {"description": "No such browser session or run to make the profile from"}
    )
    for path, item in paths.items():
        if path.startswith("/v1/agents/{workflow_permanent_id}/schedules"):
            for method in METHODS & item.keys():
                item[method]["responses"].setdefault("404", {"description": "No such plan or schedule"})


def sessions_over_the_pool(paths):
    """429 from opening a browser session when no browser slot is free (each holds one for its
    life)."""
    paths["/v1/browser_sessions"]["post"]["responses"]["429"] = {"description": "No browser slot is free"}


def refused_schedules(paths):
    """400 with Skyvern's message for a schedule that cannot fire as asked (a cron expression that
    does not read or fires too often, an unknown zone, parameters the plan refuses): Skyvern's
    server answers so, though its document lists only 422."""
    schedules = "/v1/agents/{workflow_permanent_id}/schedules"
    for path, method in [(schedules, "post"), (schedules + "/{workflow_schedule_id}", "put")]:
        paths[path][method]["responses"]["400"] = {"description": "The schedule cannot fire as asked"}


def body_too_large(operations):
    """413 for a request body over `server.max_body_bytes`."""
    for operation in operations:
        if "requestBody" in operation:
            operation["responses"].setdefault("413", {"description": "The request body is too large"})


def our_statuses(schemas):
    """The statuses this appliance adds to Skyvern's nine (a plan waiting for an approval is
    `review_required`, where Skyvern says `paused`)."""
    for name in ["RunStatus", "WorkflowRunStatus"]:
        schemas[name]["enum"] += ["interaction_required", "review_required", "canceling"]


def flat_timeline(schemas):
    """Timeline items of type `action` (one browser operation) and `control` (a person held the
    browser) beside `thought` and `block`: the timeline is one flat list."""
    schemas["WorkflowRunTimelineType"]["enum"] += ["action", "control"]


def skyvern(document, operations):
    """Applies every difference to Skyvern's document, whose served `operations` are given."""
    bad_key(operations)
    cancel_of_an_ended_run(document["paths"])
    unknown_ids(document["paths"])
    refused_schedules(document["paths"])
    sessions_over_the_pool(document["paths"])
    body_too_large(operations)
    our_statuses(document["components"]["schemas"])
    flat_timeline(document["components"]["schemas"])
    one_path_per_plan(document["paths"])


def one_path_per_plan(paths):
    """Skyvern's document writes one plan's path twice, `/v1/agents/{workflow_permanent_id}` (GET)
    and `/v1/agents/{workflow_id}` (POST, whose id is the same `wpid_`): one resource, so its
    `Allow` says both methods. Not a difference of behaviour, only of how the path is written."""
    update = paths.pop("/v1/agents/{workflow_id}", {})
    plan = paths.setdefault("/v1/agents/{workflow_permanent_id}", {})
    for method, operation in update.items():
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "path" and parameter.get("name") == "workflow_id":
                parameter["name"] = "workflow_permanent_id"
        plan[method] = operation
