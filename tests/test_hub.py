"""The fast hub-reachability answer shared by the data and model loaders."""

from __future__ import annotations

import pytest

from emobench_core import hub


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("TRUE", True), ("yes", True), ("0", False), ("", False)]
)
def test_offline_mode_reads_the_usual_truthy_values(monkeypatch, value, expected) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", value)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    assert hub.offline_mode("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE") is expected


def test_unreachable_names_host_and_port_when_refused(monkeypatch) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")  # discard port: refused
    reason = hub.unreachable(timeout=1)
    assert reason is not None and "127.0.0.1:9" in reason


def test_reachable_endpoint_gives_none(monkeypatch) -> None:
    import socket

    from huggingface_hub import constants

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{port}")
    try:
        assert hub.unreachable(timeout=1) is None
    finally:
        server.close()


def test_a_failed_probe_is_remembered_so_one_command_waits_once(monkeypatch) -> None:
    import socket

    from huggingface_hub import constants

    calls = []

    def refuse(address, timeout):
        calls.append(address)
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:7")
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(hub, "_failed", {})
    first, second = hub.unreachable(timeout=1), hub.unreachable(timeout=1)
    assert first == second == "no connection to 127.0.0.1:7 (Connection refused)"
    assert calls == [("127.0.0.1", 7)]
    monkeypatch.setattr(hub, "FAILED_PROBE_TTL_S", 0.0)  # expired: probed again
    hub.unreachable(timeout=1)
    assert len(calls) == 2


def test_offline_reason_names_the_variable_before_probing(monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub, "unreachable", lambda: pytest.fail("probed although offline"))
    assert hub.offline_reason() == "HF_HUB_OFFLINE=1 is set"
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(hub, "unreachable", lambda: "no connection to x:1 (refused)")
    assert hub.offline_reason() == "no connection to x:1 (refused)"
