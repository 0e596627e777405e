"""`GET /metrics` as Prometheus reads it: behind the API key on the main listener, without one on
the `metrics.listen` listener, parsed with the official client's parser
(`prometheus_client.parser`). A code run and an agent run go through the appliance first; the
agent's model is played by a small local server that speaks OpenAI's chat completions, and a run's
webhook goes to a local receiver."""

import http.server
import threading
import time

import httpx
import pytest
from conftest import answer_chat_completion, appliance, free_port, wait_for_run
from prometheus_client.parser import text_string_to_metric_families
from skyvern.client import Skyvern as SkyvernClient

API_KEY = "skv_ops_metrics_key_0123456789"
# The machine may be busy: answers are awaited this long.
scraper = httpx.Client(timeout=60)
MODEL = "testmodel"
POOL_SIZE = 2


class Model(http.server.BaseHTTPRequestHandler):
    """Completes at once, counting 100 input tokens (20 of them cached) and 10 output tokens."""

    def do_POST(self):
        self.rfile.read(int(self.headers["content-length"]))
        usage = {"prompt_tokens": 100, "completion_tokens": 10, "prompt_tokens_details": {"cached_tokens": 20}}
        answer_chat_completion(self, [{"action": "complete"}], usage)

    def log_message(self, *args):
        pass


class Receiver(http.server.BaseHTTPRequestHandler):
    """A webhook receiver that accepts everything."""

    received = 0

    def do_POST(self):
        self.rfile.read(int(self.headers["content-length"]))
        Receiver.received += 1
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def serve(handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def urls():
    """The main listener's base URL and the metrics listener's, and the receiver's URL."""
    model, receiver = serve(Model), serve(Receiver)
    metrics_port = free_port()
    settings = {
        "BROWSER__POOL_SIZE": str(POOL_SIZE),
        "METRICS__LISTEN": f"127.0.0.1:{metrics_port}",
        "LLM__PROVIDER": "openai",
        "LLM__BASE_URL": f"http://127.0.0.1:{model.server_address[1]}/v1",
        "LLM__MODEL": MODEL,
        "LLM__VISION": "false",
        # Dollars per million tokens (env keys are read in lower case: the model is `testmodel`).
        f"PRICES__{MODEL.upper()}__INPUT": "2.0",
        f"PRICES__{MODEL.upper()}__OUTPUT": "8.0",
        "WEBHOOKS__ALLOW_PRIVATE": "true",
    }
    with appliance(API_KEY, **settings) as url:
        yield url, f"http://127.0.0.1:{metrics_port}", f"http://127.0.0.1:{receiver.server_address[1]}/hooks"
    model.shutdown()
    receiver.shutdown()


def scrape(url, **headers):
    answer = scraper.get(f"{url}/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return list(text_string_to_metric_families(answer.text))


def value(families, sample, **labels):
    """The sum of the samples named `sample` whose labels include `labels`."""
    found = [
        s.value
        for family in families
        for s in family.samples
        if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items())
    ]
    assert found, f"no sample {sample} {labels}"
    return sum(found)


def test_the_main_listener_asks_for_the_api_key(urls):
    url, _, _ = urls
    assert scraper.get(f"{url}/metrics").status_code == 401
    assert scraper.get(f"{url}/metrics", headers={"x-api-key": "skv_wrong_key_0123456789"}).status_code == 403
    assert scrape(url, **{"x-api-key": API_KEY})


def test_the_metrics_listener_serves_metrics_without_a_key_and_nothing_else(urls):
    _, metrics_url, _ = urls
    assert scrape(metrics_url)
    assert scraper.get(f"{metrics_url}/v1/runs", headers={"x-api-key": API_KEY}).status_code == 404
    assert scraper.get(f"{metrics_url}/").status_code == 404


def test_runs_show_in_the_metrics_with_sensible_values(urls, fixtures_url):
    url, metrics_url, hooks = urls
    client = SkyvernClient(base_url=url, api_key=API_KEY)
    script = [{"action": "extract", "fields": {"title": "#title"}}]
    code = client.run_task(
        prompt="Read the title",
        url=f"{fixtures_url}/small.html",
        webhook_url=hooks,
        request_options={"additional_body_parameters": {"script": script}},
    )
    agent = client.run_task(prompt="Look at the page, then finish", url=f"{fixtures_url}/small.html")
    for run_id in [code.run_id, agent.run_id]:
        assert wait_for_run(client, run_id).status == "completed"
    deadline = time.time() + 30
    while Receiver.received < 1:
        assert time.time() < deadline, "the webhook never arrived"
        time.sleep(0.1)

    # The attempt is counted once the receiver has answered and the sender recorded it.
    deadline = time.time() + 30
    while True:
        families = scrape(metrics_url)
        if value(families, "skyvern_webhook_deliveries_total", outcome="delivered") >= 1:
            break
        assert time.time() < deadline, "the delivered webhook was never counted"
        time.sleep(0.2)

    names = {family.name for family in families}
    for family in [
        "skyvern_runs",
        "skyvern_queue_depth",
        "skyvern_queue_wait_seconds",
        "skyvern_browser_slots",
        "skyvern_browser_slots_in_use",
        "skyvern_run_duration_seconds",
        "skyvern_step_duration_seconds",
        "skyvern_first_action_latency_seconds",
        "skyvern_model_calls",
        "skyvern_model_tokens",
        "skyvern_model_cost_usd",
        "skyvern_webhook_deliveries",
        "skyvern_live_viewers",
        "skyvern_recording_encoder_cpu_seconds",
        "skyvern_data_dir_used_bytes",
        "skyvern_data_dir_free_bytes",
    ]:
        assert family in names, f"{family} not in {sorted(names)}"

    assert value(families, "skyvern_runs", run_type="task_v1", status="completed") >= 2
    assert value(families, "skyvern_runs", run_type="workflow_run", status="completed") == 0
    assert value(families, "skyvern_queue_depth") == 0
    assert value(families, "skyvern_queue_wait_seconds_count", run_type="task_v1") >= 2
    assert value(families, "skyvern_run_duration_seconds_count", run_type="task_v1", status="completed") >= 2
    assert value(families, "skyvern_run_duration_seconds_sum", run_type="task_v1", status="completed") > 0
    assert value(families, "skyvern_step_duration_seconds_count", kind="task", status="completed") >= 1
    assert value(families, "skyvern_step_duration_seconds_count", kind="agent_step", status="completed") >= 1
    assert value(families, "skyvern_first_action_latency_seconds_count", run_type="task_v1") >= 2
    assert value(families, "skyvern_browser_slots") == POOL_SIZE
    assert 0 <= value(families, "skyvern_browser_slots_in_use") <= POOL_SIZE
    assert value(families, "skyvern_model_calls_total", model=MODEL, outcome="answered") >= 1
    assert value(families, "skyvern_model_tokens_total", model=MODEL, kind="input") >= 100
    assert value(families, "skyvern_model_tokens_total", model=MODEL, kind="cached") >= 20
    assert value(families, "skyvern_model_tokens_total", model=MODEL, kind="output") >= 10
    # (80 fresh input tokens x $2 + 20 cached x $0 + 10 output x $8) per million, per call.
    assert value(families, "skyvern_model_cost_usd_total", model=MODEL) >= 240e-6 * 0.999
    assert value(families, "skyvern_webhook_deliveries_total", outcome="failed") == 0
    assert value(families, "skyvern_live_viewers", of="run") == 0
    assert value(families, "skyvern_recording_encoder_cpu_seconds_total") > 0
    assert value(families, "skyvern_data_dir_used_bytes") > 0
    assert value(families, "skyvern_data_dir_free_bytes") > 0
