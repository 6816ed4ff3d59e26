"""The receiver's fault knobs do what the sync client's tests and the demo rely on.

Each knob is checked from the client's side (what arrives on the wire) and from the server's
(what was stored, what the statistics counted), over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import email.message
import io
import os
import secrets
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk.receiver import Faults, FaultsError, Receiver
from kiosk.receiver.__main__ import main
from kiosk.receiver.context import Context
from kiosk.receiver.exchange import Exchange
from kiosk.receiver.problems import Problem
from kiosk.receiver.routes import route
from tests.support.receiver import (
    TOKEN,
    ContractClient,
    commit_body,
    new_submission_id,
    problem_slug,
    receiver_process,
    running_receiver,
    sha256_hex,
)

PORTAL_TEXT = "Portail Wi-Fi : acceptez les conditions"


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    with running_receiver(tmp_path / "receiver", control=True) as receiver:
        yield receiver


def eventually(predicate: Callable[[], bool], timeout: float = 3.0) -> None:
    """The server thread finishes its bookkeeping just after the client saw the drop."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def upload_stats(receiver: Receiver) -> dict[str, Any]:
    (stats,) = receiver.stats()["uploads"]
    assert isinstance(stats, dict)
    return stats


def new_upload(client: ContractClient, data: bytes) -> str:
    answer = client.create(len(data), new_submission_id(), sha256_hex(data))
    assert answer.status_code == 201
    return answer.headers["Location"]


def offset_of(client: ContractClient, url: str) -> int:
    return int(client.head(url).headers["Upload-Offset"])


# -- status rules ------------------------------------------------------------------------------


def test_a_status_rule_answers_times_then_lets_requests_through(
    client: ContractClient, receiver: Receiver
) -> None:
    receiver.faults.set(
        status=[
            {"method": "POST", "path_prefix": "/files/", "code": 503, "times": 2, "retry_after": 7}
        ]
    )
    assert client.capabilities("0" * 32).status_code == 200  # other method and path
    for _ in range(2):
        answer = client.create(3, new_submission_id(), "0" * 64)
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "7"
        assert problem_slug(answer) == "service-unavailable"
    assert receiver.stats()["uploads"] == []  # not processed
    assert client.create(3, new_submission_id(), "0" * 64).status_code == 201
    assert receiver.faults.snapshot()["status"] == []


def test_a_status_rule_with_times_minus_one_stays_until_cleared(
    client: ContractClient, receiver: Receiver
) -> None:
    receiver.faults.set(status=[{"method": "*", "code": 429, "times": -1}])
    for _ in range(5):
        answer = client.capabilities("0" * 32)
        assert answer.status_code == 429
        assert problem_slug(answer) == "too-many-requests"
    receiver.faults.clear()
    assert client.capabilities("0" * 32).status_code == 200


def test_a_401_rule_asks_for_the_bearer_token(client: ContractClient, receiver: Receiver) -> None:
    receiver.faults.set(status={"method": "GET", "code": 401})
    answer = client.capabilities("0" * 32)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_status_rule_on_a_patch_discards_its_body(
    client: ContractClient, receiver: Receiver
) -> None:
    data = secrets.token_bytes(50_000)
    url = new_upload(client, data)
    receiver.faults.set(status={"method": "PATCH", "code": 500})
    assert client.patch(url, 0, data).status_code == 500
    assert offset_of(client, url) == 0
    assert upload_stats(receiver)["bytes_received_total"] == 50_000
    assert client.patch(url, 0, data).status_code == 204  # same keep-alive connection


# -- dropped connections ---------------------------------------------------------------------


def test_a_drop_at_an_offset_appends_nothing_and_counts_what_arrived(
    client: ContractClient, receiver: Receiver
) -> None:
    data = secrets.token_bytes(100_000)
    url = new_upload(client, data)
    assert client.patch(url, 0, data[:30_000]).status_code == 204
    assert client.patch(url, 30_000, data[30_000:60_000]).status_code == 204
    receiver.faults.set(drop={"at_offset": 70_000, "times": 1})
    with pytest.raises(requests.ConnectionError):
        client.patch(url, 60_000, data[60_000:])
    eventually(lambda: upload_stats(receiver)["bytes_received_total"] == 70_000)
    assert offset_of(client, url) == 60_000
    assert receiver.stats()["connections_dropped"] == 1
    upload_file = receiver.data_dir / "uploads" / url.rsplit("/", 1)[1]
    assert upload_file.read_bytes() == data[:60_000]
    # Once: the retry goes through and the file is whole.
    assert client.patch(url, 60_000, data[60_000:]).status_code == 204
    assert upload_file.read_bytes() == data
    stats = upload_stats(receiver)
    assert (stats["state"], stats["bytes_received_total"]) == ("complete", 110_000)


def test_a_drop_at_an_offset_spares_patches_that_do_not_cover_it(
    client: ContractClient, receiver: Receiver
) -> None:
    data = secrets.token_bytes(20_000)
    url = new_upload(client, data)
    receiver.faults.set(drop={"at_offset": 15_000})
    assert client.patch(url, 0, data[:10_000]).status_code == 204
    with pytest.raises(requests.ConnectionError):
        client.patch(url, 10_000, data[10_000:])
    assert offset_of(client, url) == 10_000


def test_a_drop_after_bytes_hits_the_next_patches(
    client: ContractClient, receiver: Receiver
) -> None:
    data = secrets.token_bytes(40_000)
    url = new_upload(client, data)
    receiver.faults.set(drop={"after_bytes": 1000, "times": 2})
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            client.patch(url, 0, data)
    assert client.patch(url, 0, data).status_code == 204
    eventually(lambda: upload_stats(receiver)["bytes_received_total"] == 42_000)


def test_a_dropped_commit_is_stored_and_its_retry_replayed(
    client: ContractClient, receiver: Receiver
) -> None:
    submission_id, pieces = client.uploaded_submission()
    body = commit_body(submission_id, pieces)
    receiver.faults.set(commit_drop=1)
    with pytest.raises(requests.ConnectionError):
        client.commit(body)
    assert [s["submission_id"] for s in receiver.submissions()] == [submission_id]
    retry = client.commit(body)
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["submission_id"] == submission_id
    stats = receiver.stats()
    assert (stats["commits_stored"], stats["replays"]) == (1, 1)


def test_commit_drop_also_loses_replayed_answers(
    client: ContractClient, receiver: Receiver
) -> None:
    submission_id, pieces = client.uploaded_submission()
    body = commit_body(submission_id, pieces)
    receiver.faults.set(commit_drop=3)
    for _ in range(3):
        with pytest.raises(requests.ConnectionError):
            client.commit(body)
    assert client.commit(body).headers["Idempotent-Replayed"] == "true"
    stats = receiver.stats()
    assert (stats["commits_stored"], stats["replays"], stats["connections_dropped"]) == (1, 3, 3)


# -- a captive portal, a revoked token, a slow server ----------------------------------------


def test_a_captive_portal_answers_every_request_with_its_page(
    client: ContractClient, receiver: Receiver
) -> None:
    receiver.faults.set(portal=True)
    answer = client.capabilities("0" * 32)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    assert PORTAL_TEXT in answer.text
    created = client.create(3, new_submission_id(), "0" * 64)
    assert created.status_code == 200
    assert "Location" not in created.headers and "Tus-Resumable" not in created.headers
    assert receiver.stats()["uploads"] == []


def test_unauthorized_refuses_even_the_right_token(
    client: ContractClient, receiver: Receiver
) -> None:
    receiver.faults.set(unauthorized=True)
    for answer in (client.capabilities("0" * 32), client.request("OPTIONS", "/files/")):
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert problem_slug(answer) == "unauthorized"


def test_a_delay_comes_before_every_answer(client: ContractClient, receiver: Receiver) -> None:
    receiver.faults.set(delay_ms=250)
    started = time.monotonic()
    assert client.capabilities("0" * 32).status_code == 200
    assert client.capabilities("").status_code == 400
    assert time.monotonic() - started >= 0.5
    receiver.faults.clear()
    started = time.monotonic()
    client.capabilities("0" * 32)
    assert time.monotonic() - started < 0.2


def test_random_500s_follow_the_seed(client: ContractClient, receiver: Receiver) -> None:
    def run() -> list[int]:
        return [client.capabilities("0" * 32).status_code for _ in range(30)]

    receiver.faults.set(random_500_rate=0.4, seed=1234)
    first = run()
    assert set(first) == {200, 500}
    receiver.faults.set(random_500_rate=0.4, seed=1234)
    assert run() == first
    receiver.faults.set(seed=99)
    assert run() != first
    receiver.faults.set(random_500_rate=1.0)
    assert set(run()) == {500}


# -- the knobs themselves and the control routes ---------------------------------------------


def test_knobs_are_validated_before_anything_changes() -> None:
    faults = Faults({"delay_ms": 10})
    for bad in (
        {"nope": 1},
        {"delay_ms": -1},
        {"status": [{"code": 999}]},
        {"status": [{"method": "BREW"}]},
        {"drop": {"at_offset": 1, "after_bytes": 2}},
        {"drop": {"times": 0, "at_offset": 3}},
        {"random_500_rate": 2},
        {"portal": "yes"},
    ):
        with pytest.raises(FaultsError):
            faults.set(**bad)
    assert faults.snapshot()["delay_ms"] == 10
    faults.set(portal=True)
    assert faults.snapshot()["delay_ms"] == 10  # set() leaves the other knobs alone
    faults.replace({"portal": True})
    assert faults.snapshot()["delay_ms"] == 0  # replace() resets them


def test_control_routes_set_faults_and_read_stats(
    client: ContractClient, receiver: Receiver
) -> None:
    control = requests.Session()  # no token: the control routes are for local tools
    knobs = {"status": [{"method": "GET", "path_prefix": "/v1/", "code": 502, "times": -1}]}
    answer = control.put(receiver.url + "/_control/faults", json=knobs)
    assert answer.status_code == 200
    assert answer.json()["status"][0]["code"] == 502
    assert client.capabilities("0" * 32).status_code == 502
    assert control.get(receiver.url + "/_control/faults").json()["status"][0]["times"] == -1
    # Even a captive portal does not hide the control routes: a test can always undo it.
    control.put(receiver.url + "/_control/faults", json={"portal": True})
    assert control.put(receiver.url + "/_control/faults", json={}).status_code == 200
    assert client.capabilities("0" * 32).status_code == 200
    bad = control.put(receiver.url + "/_control/faults", json={"delay_ms": "slow"})
    assert bad.status_code == 400
    assert problem_slug(bad) == "invalid-faults"

    data = secrets.token_bytes(1000)
    url = new_upload(client, data)
    client.patch(url, 0, data)
    stats = control.get(receiver.url + "/_control/stats").json()
    assert stats["uploads"] == [
        {
            "id": url.rsplit("/", 1)[1],
            "filename": "piece.jpg.age",
            "submission_id": stats["uploads"][0]["submission_id"],
            "length": 1000,
            "offset": 1000,
            "state": "complete",
            "bytes_received_total": 1000,
        }
    ]
    # Control requests are not counted: only what a kiosk sent.
    assert stats["requests"] == {"GET": 2, "PATCH": 1, "POST": 1}
    assert stats["commits_stored"] == 0 and stats["replays"] == 0


def test_control_routes_are_absent_unless_asked_for(tmp_path: Path) -> None:
    with running_receiver(tmp_path) as receiver:
        answer = ContractClient(receiver.url).request("GET", "/_control/stats")
        assert answer.status_code == 404
        assert requests.get(receiver.url + "/_control/stats", timeout=5).status_code == 401


def test_control_routes_answer_only_loopback_clients(receiver: Receiver) -> None:
    ctx: Context = receiver._running().ctx

    def from_ip(ip: str) -> int:
        ex = Exchange("GET", "/_control/stats", email.message.Message(), io.BytesIO(), "h", ip)
        try:
            return route(ctx, ex).status
        except Problem as problem:
            return problem.status

    assert from_ip("127.0.0.1") == 200
    assert from_ip("::1") == 200
    assert from_ip("192.0.2.10") == 401  # an ordinary, unauthenticated request


# -- the process -------------------------------------------------------------------------------


def test_the_module_serves_until_sigterm(tmp_path: Path) -> None:
    faults = '{"status": [{"method": "DELETE", "code": 503, "retry_after": 2}]}'
    with receiver_process(tmp_path, "--control", "--faults", faults) as process:
        client = ContractClient(process.url)
        assert client.capabilities("0" * 32).json()["challenge"] == "0" * 32
        assert client.request("DELETE", "/files/" + "a" * 32).status_code == 503
        stats = requests.get(process.url + "/_control/stats", timeout=5).json()
        assert stats["requests"] == {"DELETE": 1, "GET": 1}
        process.process.send_signal(signal.SIGTERM)
        assert process.process.wait(10) == 0
        assert process.stdout_lines.empty()  # exactly one line on stdout


def test_the_token_can_come_from_the_environment(tmp_path: Path) -> None:
    env = {"KIOSK_RECEIVER_TOKEN": "jeton-env"}
    with receiver_process(tmp_path, token=None, env=env) as process:
        assert ContractClient(process.url, token="jeton-env").capabilities("1" * 32).ok
        assert ContractClient(process.url, token=TOKEN).capabilities("1" * 32).status_code == 401


def test_the_module_refuses_to_start_without_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KIOSK_RECEIVER_TOKEN", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["--data", str(tmp_path), "--port", "0"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit):
        main(["--data", str(tmp_path), "--token", "t", "--faults", '{"bad": 1}'])
    assert os.listdir(tmp_path) == []
