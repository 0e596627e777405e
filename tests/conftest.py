"""What the Python tests share: the appliance binary started on a temporary data directory with
a known API key, and the fixture pages of tests/fixtures served by a local HTTP server."""

import contextlib
import functools
import http.server
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def fixtures_url():
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(FIXTURES))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@contextlib.contextmanager
def appliance(api_key: str, **settings: str):
    """The appliance binary (`SKYVERN_BIN`, else the debug build) serving on a free port with a
    fresh data directory; `settings` are config keys as `SECTION__KEY`. Yields its base URL and
    checks that it shuts down cleanly on SIGTERM."""
    binary = os.environ.get("SKYVERN_BIN", str(ROOT / "target" / "debug" / "skyvern"))
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="skyvern-pytest-")
    env = dict(
        os.environ,
        SKYVERN__SERVER__LISTEN=f"127.0.0.1:{port}",
        SKYVERN__STORAGE__DATA_DIR=data_dir,
        SKYVERN__AUTH__API_KEY=api_key,
        **{f"SKYVERN__{key}": value for key, value in settings.items()},
    )
    log = open(Path(data_dir) / "appliance.log", "w")
    process = subprocess.Popen([binary, "serve"], env=env, stdout=log, stderr=log)
    deadline = time.time() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, "the appliance exited at start-up"
            assert time.time() < deadline, "the appliance did not start"
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0, "the appliance shuts down cleanly on SIGTERM"


FINAL = {"completed", "failed", "terminated", "timed_out", "canceled"}


def wait_for_run(client, run_id, until=FINAL, timeout=60):
    """Reads the run through the SDK until its status is one of `until` (by default, a final one)."""
    deadline = time.time() + timeout
    while True:
        run = client.get_run(run_id)
        if run.status in until:
            return run
        assert time.time() < deadline, f"run {run_id} stayed {run.status}"
        time.sleep(0.2)


def answer_chat_completion(handler: http.server.BaseHTTPRequestHandler, actions: list, usage: dict) -> None:
    """Answers a scripted model's request as OpenAI's chat completions would: the agent's
    reasoning and `actions` as the message, and the token counts of `usage`."""
    answer = json.dumps({"reasoning": "scripted", "actions": actions})
    reply = json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
            "usage": usage,
        }
    ).encode()
    handler.send_response(200)
    handler.send_header("content-type", "application/json")
    handler.send_header("content-length", str(len(reply)))
    handler.end_headers()
    handler.wfile.write(reply)
