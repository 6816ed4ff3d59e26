"""The reference receiver against every rule of the backend contract (docs/backend-api.md).

Real HTTP on 127.0.0.1 with ``requests``, real SQLite and upload files under ``tmp_path``: what
the kiosk's sync client will meet, one rule at a time.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from kiosk.receiver import Receiver
from tests.support.receiver import (
    TOKEN,
    TUS,
    ContractClient,
    Piece,
    b64,
    commit_body,
    metadata,
    new_submission_id,
    problem_slug,
    raw_exchange,
    running_receiver,
    sha256_hex,
    upload_checksum,
)

REPO = Path(__file__).resolve().parents[2]
MAX_SIZE = 1_000_000


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    with running_receiver(
        tmp_path / "receiver", max_size=MAX_SIZE, disabled_tokens=["jeton-borne-desactivee"]
    ) as receiver:
        yield receiver


def created(client: ContractClient, data: bytes, submission_id: str | None = None) -> str:
    answer = client.create(len(data), submission_id or new_submission_id(), sha256_hex(data))
    assert answer.status_code == 201, answer.text
    return answer.headers["Location"]


def offset_of(client: ContractClient, url: str) -> int:
    answer = client.head(url)
    assert answer.status_code == 200
    return int(answer.headers["Upload-Offset"])


# -- auth --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/capabilities?challenge=" + "0" * 32),
        ("POST", "/files/"),
        ("HEAD", "/files/" + "a" * 32),
        ("PATCH", "/files/" + "a" * 32),
        ("DELETE", "/files/" + "a" * 32),
        ("POST", "/v1/submissions"),
        ("GET", "/v1/submissions/" + "b" * 8),
    ],
)
def test_every_endpoint_but_options_wants_the_bearer_token(
    receiver: Receiver, method: str, path: str
) -> None:
    for token in (None, "jeton-inconnu"):
        anonymous = ContractClient(receiver.url, token=token)
        answer = anonymous.request(method, path, headers=TUS)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert answer.headers["Content-Type"] == "application/problem+json"
        if method != "HEAD":
            assert problem_slug(answer) == "unauthorized"
    assert receiver.stats()["uploads"] == []


def test_a_disabled_kiosk_gets_403(receiver: Receiver) -> None:
    disabled = ContractClient(receiver.url, token="jeton-borne-desactivee")
    answer = disabled.capabilities("0" * 32)
    assert answer.status_code == 403
    assert problem_slug(answer) == "kiosk-disabled"


def test_other_authorization_schemes_are_refused(client: ContractClient) -> None:
    answer = client.capabilities("0" * 32)
    assert answer.status_code == 200
    basic = client.request(
        "GET", "/v1/capabilities?challenge=" + "0" * 32, headers={"Authorization": f"Basic {TOKEN}"}
    )
    assert basic.status_code == 401


# -- capability check --------------------------------------------------------------------------


def test_capabilities_echo_the_challenge(client: ContractClient) -> None:
    challenge = secrets.token_hex(16)
    answer = client.capabilities(challenge)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {
        "service": "point-numerique-depot",
        "api_version": 1,
        "challenge": challenge,
        "tus": {
            "endpoint": "/files/",
            "version": "1.0.0",
            "extensions": ["creation", "checksum", "termination"],
            "checksum_algorithms": ["sha256"],
            "max_size": MAX_SIZE,
        },
    }


@pytest.mark.parametrize("challenge", [None, "", "0" * 31, "0" * 33, "A" * 32, "g" * 32])
def test_capabilities_without_a_well_formed_challenge_are_400(
    client: ContractClient, challenge: str | None
) -> None:
    answer = client.capabilities(challenge)
    assert answer.status_code == 400
    assert problem_slug(answer) == "invalid-challenge"


# -- tus: OPTIONS, creation, HEAD ---------------------------------------------------------------


def test_options_describes_the_tus_server_without_a_token(receiver: Receiver) -> None:
    answer = ContractClient(receiver.url, token=None).request("OPTIONS", "/files/")
    assert answer.status_code == 204
    assert answer.headers["Tus-Version"] == "1.0.0"
    assert answer.headers["Tus-Extension"] == "creation,checksum,termination"
    assert answer.headers["Tus-Checksum-Algorithm"] == "sha256"
    assert answer.headers["Tus-Max-Size"] == str(MAX_SIZE)
    assert answer.headers["Tus-Resumable"] == "1.0.0"


def test_creation_answers_201_with_an_absolute_location(client: ContractClient) -> None:
    data = b"abc"
    answer = client.create(3, new_submission_id(), sha256_hex(data), "p.jpg.age")
    assert answer.status_code == 201
    assert answer.headers["Tus-Resumable"] == "1.0.0"
    location = answer.headers["Location"]
    assert location.startswith(client.base_url + "/files/")
    assert offset_of(client, location) == 0
    # Built from the Host header: the name the client used to reach the server.
    proxied = client.create(
        3, new_submission_id(), sha256_hex(data), Host="depot.prefecture.example:8443"
    )
    assert proxied.headers["Location"].startswith("http://depot.prefecture.example:8443/files/")


def test_creation_above_the_maximum_size_is_413(client: ContractClient) -> None:
    answer = client.create(MAX_SIZE + 1, new_submission_id(), "0" * 64)
    assert answer.status_code == 413
    assert problem_slug(answer) == "upload-too-large"
    assert client.create(MAX_SIZE, new_submission_id(), "0" * 64).status_code == 201


@pytest.mark.parametrize(
    "headers",
    [
        {"Upload-Length": ""},
        {"Upload-Length": "-1"},
        {"Upload-Length": "12abc"},
        {"Upload-Metadata": f"filename {b64('a')},sha256 {b64('0' * 64)}"},  # no submission_id
        {"Upload-Metadata": f"filename {b64('a')},submission_id {b64('x')}"},  # no sha256
        {"Upload-Metadata": f"submission_id {b64('x')},sha256 {b64('0' * 63)}"},
        {"Upload-Metadata": "submission_id !!!,sha256 AAAA"},
    ],
)
def test_creation_with_a_bad_length_or_metadata_is_400(
    client: ContractClient, headers: dict[str, str]
) -> None:
    answer = client.create(10, new_submission_id(), "0" * 64, **headers)
    assert answer.status_code == 400
    assert problem_slug(answer) in ("invalid-upload-length", "invalid-metadata")


def test_creation_without_upload_length_is_400(client: ContractClient) -> None:
    headers = {**TUS, "Upload-Metadata": metadata("a", new_submission_id(), "0" * 64)}
    answer = client.request("POST", "/files/", headers=headers)
    assert answer.status_code == 400
    assert problem_slug(answer) == "invalid-upload-length"


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/files/"), ("HEAD", "UPLOAD"), ("PATCH", "UPLOAD")]
)
def test_tus_requests_without_tus_resumable_are_412(
    client: ContractClient, method: str, path: str
) -> None:
    url = created(client, b"abc") if path == "UPLOAD" else path
    answer = client.request(method, url, headers={"Upload-Length": "3"})
    assert answer.status_code == 412
    assert answer.headers["Tus-Version"] == "1.0.0"
    assert answer.headers["Content-Type"] == "application/problem+json"


def test_head_of_an_unknown_upload_is_404(client: ContractClient) -> None:
    answer = client.head("/files/" + "f" * 32)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.content == b""


def test_head_gives_offset_and_length_never_cached(client: ContractClient) -> None:
    data = secrets.token_bytes(5000)
    url = created(client, data)
    assert client.patch(url, 0, data[:1200]).status_code == 204
    answer = client.head(url)
    assert answer.status_code == 200
    assert answer.headers["Upload-Offset"] == "1200"
    assert answer.headers["Upload-Length"] == "5000"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Tus-Resumable"] == "1.0.0"
    assert answer.content == b""


# -- tus: PATCH ----------------------------------------------------------------------------------


def test_patches_append_and_answer_the_new_offset(
    client: ContractClient, receiver: Receiver
) -> None:
    data = secrets.token_bytes(300_000)
    url = created(client, data)
    for offset in range(0, len(data), 128_000):
        answer = client.patch(url, offset, data[offset : offset + 128_000])
        assert answer.status_code == 204
        assert answer.headers["Upload-Offset"] == str(min(offset + 128_000, len(data)))
        assert answer.headers["Tus-Resumable"] == "1.0.0"
    upload_id = url.rsplit("/", 1)[1]
    assert (receiver.data_dir / "uploads" / upload_id).read_bytes() == data
    (stats,) = receiver.stats()["uploads"]
    assert stats["state"] == "complete"
    assert stats["bytes_received_total"] == len(data)


def test_a_patch_at_the_wrong_offset_is_409_and_changes_nothing(client: ContractClient) -> None:
    data = secrets.token_bytes(10_000)
    url = created(client, data)
    assert client.patch(url, 0, data[:4000]).status_code == 204
    for wrong in (0, 3999, 4001):
        answer = client.patch(url, wrong, data[wrong : wrong + 100])
        assert answer.status_code == 409
        assert problem_slug(answer) == "offset-mismatch"
    assert offset_of(client, url) == 4000


def test_a_patch_of_another_content_type_is_415(client: ContractClient) -> None:
    url = created(client, b"abc")
    answer = client.patch(url, 0, b"abc", **{"Content-Type": "application/octet-stream"})
    assert answer.status_code == 415
    assert problem_slug(answer) == "unsupported-media-type"
    assert offset_of(client, url) == 0


def test_a_checksum_mismatch_is_460_and_appends_nothing(
    client: ContractClient, receiver: Receiver
) -> None:
    data = secrets.token_bytes(20_000)
    url = created(client, data)
    assert client.patch(url, 0, data[:5000]).status_code == 204
    answer = client.patch(url, 5000, data[5000:], checksum=upload_checksum(b"something else"))
    assert answer.status_code == 460
    assert answer.reason == "Checksum Mismatch"
    assert problem_slug(answer) == "checksum-mismatch"
    assert offset_of(client, url) == 5000
    upload_file = receiver.data_dir / "uploads" / url.rsplit("/", 1)[1]
    assert upload_file.read_bytes() == data[:5000]
    # The discarded body was received all the same.
    assert receiver.stats()["uploads"][0]["bytes_received_total"] == 20_000
    assert client.patch(url, 5000, data[5000:]).status_code == 204


@pytest.mark.parametrize(
    ("checksum", "slug"),
    [
        (None, "checksum-required"),
        ("md5 " + b64("x" * 16), "checksum-algorithm-unsupported"),
        ("sha1 AAAA", "checksum-algorithm-unsupported"),
        ("sha256 not-base64", "invalid-checksum"),
        ("sha256 " + b64("short"), "invalid-checksum"),
    ],
)
def test_a_patch_without_a_usable_sha256_checksum_is_400(
    client: ContractClient, checksum: str | None, slug: str
) -> None:
    url = created(client, b"abc")
    headers = {**TUS, "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
    if checksum is not None:
        headers["Upload-Checksum"] = checksum
    answer = client.request("PATCH", url, data=b"abc", headers=headers)
    assert answer.status_code == 400
    assert problem_slug(answer) == slug
    assert offset_of(client, url) == 0


def test_a_body_past_the_upload_length_is_413(client: ContractClient) -> None:
    url = created(client, b"abc")
    answer = client.patch(url, 0, b"abcd")
    assert answer.status_code == 413
    assert offset_of(client, url) == 0


def test_an_early_error_keeps_the_keep_alive_connection_in_step(client: ContractClient) -> None:
    """A refused 900 kB body is read to its end: the next request on the connection parses."""
    data = secrets.token_bytes(900_000)
    url = created(client, data)
    assert client.patch(url, 7, data).status_code == 409
    assert client.patch(url, 0, data, checksum=upload_checksum(b"x")).status_code == 460
    assert client.patch(url, 0, data).status_code == 204


def test_a_short_body_appends_nothing(client: ContractClient, receiver: Receiver) -> None:
    data = secrets.token_bytes(10_000)
    url = created(client, data)
    path = "/files/" + url.rsplit("/", 1)[1]
    request = (
        f"PATCH {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
        "Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Upload-Offset: 0\r\nUpload-Checksum: {upload_checksum(data)}\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    ).encode() + data[:6000]
    assert raw_exchange(receiver.url, request) == b""  # the server had nothing to answer
    assert offset_of(client, url) == 0
    assert client.patch(url, 0, data).status_code == 204


def test_a_chunked_patch_is_refused_and_the_connection_closed(
    client: ContractClient, receiver: Receiver
) -> None:
    url = created(client, b"abc")
    path = "/files/" + url.rsplit("/", 1)[1]
    request = (
        f"PATCH {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
        "Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Upload-Offset: 0\r\nUpload-Checksum: {upload_checksum(b'abc')}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    ).encode()
    answer = raw_exchange(receiver.url, request)
    assert answer.startswith(b"HTTP/1.1 411 ")
    assert b"Connection: close" in answer
    assert offset_of(client, url) == 0


def test_the_whole_file_sha256_is_checked_at_completion(
    client: ContractClient, receiver: Receiver
) -> None:
    submission_id = new_submission_id()
    piece = Piece("piece.jpg.age", "piece", "image/jpeg", secrets.token_bytes(3000))
    manifest = Piece("manifest.json.age", "manifest", "application/json", b"{}")
    client.upload(manifest, submission_id)
    # Declared with the sha256 of other bytes: every PATCH checksum is right, the file is not.
    answer = client.create(3000, submission_id, sha256_hex(b"other"), piece.name)
    piece.url = answer.headers["Location"]
    assert client.patch(piece.url, 0, piece.data[:1000]).status_code == 204
    assert client.patch(piece.url, 1000, piece.data[1000:]).status_code == 204
    assert offset_of(client, piece.url) == 3000  # HEAD still works
    states = {u["filename"]: u["state"] for u in receiver.stats()["uploads"]}
    assert states == {"piece.jpg.age": "corrupt", "manifest.json.age": "complete"}
    answer = client.commit(commit_body(submission_id, [piece, manifest]))
    assert answer.status_code == 422
    assert problem_slug(answer) == "upload-mismatch"
    assert [p["name"] for p in answer.json()["invalid_params"]] == ["piece.jpg.age"]


def test_an_empty_file_is_complete_at_creation(client: ContractClient) -> None:
    submission_id = new_submission_id()
    pieces = [
        Piece("vide.txt.age", "piece", "text/plain", b""),
        Piece("manifest.json.age", "manifest", "application/json", b"{}"),
    ]
    client.uploaded_submission(pieces, submission_id)
    assert offset_of(client, pieces[0].url) == 0
    assert client.commit(commit_body(submission_id, pieces)).status_code == 201


# -- tus: termination ------------------------------------------------------------------------


def test_a_terminated_upload_is_gone(client: ContractClient, receiver: Receiver) -> None:
    data = secrets.token_bytes(1000)
    url = created(client, data)
    assert client.patch(url, 0, data[:500]).status_code == 204
    upload_file = receiver.data_dir / "uploads" / url.rsplit("/", 1)[1]
    assert upload_file.exists()
    answer = client.delete(url)
    assert answer.status_code == 204
    assert answer.headers["Tus-Resumable"] == "1.0.0"
    assert not upload_file.exists()
    assert client.head(url).status_code == 410
    gone = client.patch(url, 500, data[500:])
    assert gone.status_code == 410
    assert problem_slug(gone) == "upload-terminated"
    assert client.delete(url).status_code == 410
    assert client.delete("/files/" + "e" * 32).status_code == 404


# -- commit ----------------------------------------------------------------------------------


def test_a_commit_is_stored_and_answered_201(client: ContractClient, receiver: Receiver) -> None:
    submission_id, pieces = client.uploaded_submission()
    answer = client.commit(commit_body(submission_id, pieces))
    assert answer.status_code == 201
    assert answer.headers["Location"] == f"/v1/submissions/{submission_id}"
    assert answer.headers["Content-Type"] == "application/json"
    assert "Idempotent-Replayed" not in answer.headers
    body = answer.json()
    assert body == {
        "submission_id": submission_id,
        "dossier_number": "PN-2025-000123",
        "state": "received",
        "received_at": body["received_at"],
    }
    assert body["received_at"].endswith("Z")
    (stored,) = receiver.submissions()
    assert stored["submission_id"] == submission_id
    assert [f["name"] for f in stored["files"]] == [p.name for p in pieces]
    for piece, file in zip(pieces, stored["files"], strict=True):
        assert file["path"].read_bytes() == piece.data
        assert file["role"] == piece.role
        assert file["sha256"] == hashlib.sha256(piece.data).hexdigest()
    assert receiver.stats()["commits_stored"] == 1


def test_the_same_commit_again_is_the_stored_answer_replayed(
    client: ContractClient, receiver: Receiver
) -> None:
    submission_id, pieces = client.uploaded_submission()
    body = commit_body(submission_id, pieces)
    first = client.commit(body)
    assert first.status_code == 201
    # Same content, other key order and spacing: canonical JSON is compared, not bytes.
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2).encode()
    again = client.request(
        "POST",
        "/v1/submissions",
        data=reordered,
        headers={"Content-Type": "application/json", "Idempotency-Key": submission_id},
    )
    assert again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    stats = receiver.stats()
    assert (stats["commits_stored"], stats["replays"]) == (1, 1)


def test_the_same_key_with_another_body_is_422(client: ContractClient) -> None:
    submission_id, pieces = client.uploaded_submission()
    assert client.commit(commit_body(submission_id, pieces)).status_code == 201
    answer = client.commit(commit_body(submission_id, pieces, dossier_number="PN-2025-999999"))
    assert answer.status_code == 422
    assert problem_slug(answer) == "idempotency-key-reused"


def test_the_key_must_be_the_submission_id(client: ContractClient) -> None:
    submission_id, pieces = client.uploaded_submission()
    answer = client.commit(commit_body(submission_id, pieces), key=new_submission_id())
    assert answer.status_code == 422
    assert problem_slug(answer) == "idempotency-key-mismatch"


def test_a_commit_without_idempotency_key_is_400(client: ContractClient) -> None:
    submission_id, pieces = client.uploaded_submission()
    answer = client.request(
        "POST", "/v1/submissions", json=commit_body(submission_id, pieces), headers={}
    )
    assert answer.status_code == 400
    assert problem_slug(answer) == "idempotency-key-missing"


@pytest.mark.parametrize(
    ("change", "slug", "param"),
    [
        ({"dossier_number": ""}, "invalid-body", "dossier_number"),
        ({"assisted": "non"}, "invalid-body", "assisted"),
        ({"sealed_at": "14/03/2025"}, "invalid-body", "sealed_at"),
        ({"encryption": "none"}, "invalid-body", "encryption"),
        ({"demarche": {"id": "x"}}, "invalid-body", "demarche.version"),
        ({"files": []}, "invalid-body", "files"),
        ({"files": [{"name": "a"}]}, "invalid-body", "files[0].role"),
    ],
)
def test_malformed_commit_fields_are_400(
    client: ContractClient, change: dict[str, Any], slug: str, param: str
) -> None:
    submission_id, pieces = client.uploaded_submission()
    answer = client.commit(commit_body(submission_id, pieces, **change))
    assert answer.status_code == 400
    assert problem_slug(answer) == slug
    assert param in [p["name"] for p in answer.json()["invalid_params"]]


def test_a_commit_that_is_not_json_is_400(client: ContractClient) -> None:
    key = new_submission_id()
    answer = client.request(
        "POST",
        "/v1/submissions",
        data=b"{not json",
        headers={"Content-Type": "application/json", "Idempotency-Key": key},
    )
    assert answer.status_code == 400
    assert problem_slug(answer) == "invalid-json"


def test_exactly_one_manifest_is_required(client: ContractClient) -> None:
    submission_id, pieces = client.uploaded_submission()
    without = commit_body(submission_id, pieces[:1])
    answer = client.commit(without)
    assert answer.status_code == 422
    assert problem_slug(answer) == "invalid-manifest"
    twice = commit_body(submission_id, pieces)
    twice["files"][0]["role"] = "manifest"
    answer = client.commit(twice)
    assert answer.status_code == 422
    assert problem_slug(answer) == "invalid-manifest"


def test_every_file_must_match_a_complete_upload_of_the_submission(
    client: ContractClient,
) -> None:
    submission_id, pieces = client.uploaded_submission()
    _, other_pieces = client.uploaded_submission()
    unfinished = created(client, b"0123456789", submission_id)
    terminated = created(client, b"", submission_id)
    client.delete(terminated)
    body = commit_body(submission_id, pieces)
    files = body["files"]
    cases = [
        {**files[0], "size": files[0]["size"] + 1},
        {**files[0], "sha256": "0" * 64},
        {**files[0], "upload_url": other_pieces[0].url, "sha256": sha256_hex(other_pieces[0].data)},
        {**files[0], "upload_url": unfinished},
        {**files[0], "upload_url": terminated},
        {**files[0], "upload_url": client.base_url + "/files/" + "0" * 32},
        {**files[0], "upload_url": "https://ailleurs.example/upload/1"},
    ]
    for case in cases:
        case_body = {**body, "files": [case, files[1]]}
        answer = client.commit(case_body)
        assert answer.status_code == 422, case
        assert problem_slug(answer) == "upload-mismatch"
        assert answer.json()["invalid_params"][0]["name"] == files[0]["name"]
    # Failures are not stored: the right body with the same key goes through.
    assert client.commit(body).status_code == 201


def test_a_key_still_being_processed_is_409(client: ContractClient, receiver: Receiver) -> None:
    submission_id, pieces = client.uploaded_submission()
    body = commit_body(submission_id, pieces)
    receiver.faults.set(delay_ms=600)  # the first answer takes its time
    answers: list[requests.Response] = []
    first = threading.Thread(target=lambda: answers.append(client.commit(body)))
    first.start()
    time.sleep(0.2)
    second = ContractClient(receiver.url).commit(body)
    first.join()
    assert second.status_code == 409
    assert problem_slug(second) == "request-in-progress"
    assert answers[0].status_code == 201
    receiver.faults.clear()
    assert client.commit(body).headers["Idempotent-Replayed"] == "true"


# -- state -------------------------------------------------------------------------------------


def test_the_state_of_a_submission(client: ContractClient, receiver: Receiver) -> None:
    submission_id, pieces = client.uploaded_submission()
    received_at = client.commit(commit_body(submission_id, pieces)).json()["received_at"]
    answer = client.state(submission_id)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {
        "submission_id": submission_id,
        "dossier_number": "PN-2025-000123",
        "state": "received",
        "received_at": received_at,
        "files": [
            {"name": p.name, "size": len(p.data), "sha256": sha256_hex(p.data)} for p in pieces
        ],
    }
    receiver.set_submission_state(submission_id, "accepted")
    assert client.state(submission_id).json()["state"] == "accepted"
    unknown = client.state(new_submission_id())
    assert unknown.status_code == 404
    assert problem_slug(unknown) == "submission-not-found"


def test_unknown_paths_and_methods_are_problems(client: ContractClient) -> None:
    assert problem_slug(client.request("GET", "/v2/whatever")) == "not-found"
    answer = client.request("PUT", "/v1/submissions")
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "POST"
    assert problem_slug(answer) == "method-not-allowed"


# -- durability ------------------------------------------------------------------------------


def test_uploads_and_commits_survive_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "receiver"
    submission_id = new_submission_id()
    piece = Piece("piece.jpg.age", "piece", "image/jpeg", secrets.token_bytes(250_000))
    manifest = Piece("manifest.json.age", "manifest", "application/json", b"{}")
    with running_receiver(data_dir) as receiver:
        client = ContractClient(receiver.url)
        client.upload(manifest, submission_id)
        piece.url = created(client, piece.data, submission_id)
        assert client.patch(piece.url, 0, piece.data[:100_000]).status_code == 204
        upload_path = piece.url.split("/files/", 1)[1]
    with running_receiver(data_dir) as receiver:
        client = ContractClient(receiver.url)
        url = f"{receiver.url}/files/{upload_path}"
        assert offset_of(client, url) == 100_000
        # Resumed: the whole-file sha256 is still checked (prefix hashed again after restart).
        assert client.patch(url, 100_000, piece.data[100_000:]).status_code == 204
        piece.url = url
        first = client.commit(commit_body(submission_id, [piece, manifest]))
        assert first.status_code == 201
    with running_receiver(data_dir) as receiver:
        client = ContractClient(receiver.url)
        assert client.state(submission_id).json()["files"][0]["sha256"] == sha256_hex(piece.data)
        again = client.commit(commit_body(submission_id, [piece, manifest]))
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.content == first.content


# -- the OpenAPI description ------------------------------------------------------------------


def test_the_openapi_document_describes_every_endpoint() -> None:
    document = yaml.safe_load((REPO / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
    assert document["openapi"].startswith("3.1")
    paths = document["paths"]
    assert set(paths) >= {
        "/v1/capabilities",
        "/files/",
        "/files/{id}",
        "/v1/submissions",
        "/v1/submissions/{id}",
    }
    assert set(paths["/files/"]) >= {"options", "post"}
    assert set(paths["/files/{id}"]) >= {"head", "patch", "delete"}
    assert "Problem" in document["components"]["schemas"]
    # Every $ref points at something.
    for ref in re.findall(r"'\$ref': '#/([^']+)'", repr(document)):
        node = document
        for part in ref.split("/"):
            node = node[part]


def test_every_problem_slug_is_documented() -> None:
    source = "".join(p.read_text() for p in (REPO / "kiosk" / "receiver").glob("*.py"))
    slugs = set(re.findall(r'Problem\(\s*\d{3},\s*"([a-z-]+)"', source))
    assert {"offset-mismatch", "request-in-progress", "checksum-mismatch"} <= slugs
    documentation = (REPO / "docs" / "backend-api.md").read_text(encoding="utf-8")
    assert sorted(s for s in slugs if f"`{s}`" not in documentation) == []
