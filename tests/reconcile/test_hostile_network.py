"""The network is hostile too: redirects elsewhere, dead endpoints, long rate limits, final refusals.

The real `huggingface_hub` client talks to real HTTP servers on loopback; the retry layer gets a
recording sleep, so no test waits for real.
"""

from __future__ import annotations

import socket

import pytest

from hfjobs_spec.errors import HubAuthError, HubError, HubPaymentError, HubRateLimitError, HubTransportError
from hfjobs_spec.hub.hfapi import HfApiBackend, install_http_client
from hfjobs_spec.hub.model import JobRequest, SecretValue
from hfjobs_spec.hub.retry import RetryingBackend, RetryPolicy

from .scripted_server import Answer, Seen, scripted_server

TOKEN = "hf_networktest0123456789abcdefghijklmn"
SECRET = "wandb-secret-value-0123456789"
REQUEST = JobRequest(image="python:3.12", command=("python", "-c", "1"), env={}, secrets={"W": SecretValue(SECRET)},
                     flavor="cpu-basic", timeout=60, attempts=1, labels={"name": "x"})


class Waits(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def waits() -> Waits:
    return Waits()


def backend(url: str, waits: Waits, notes: list[str] | None = None, **policy: float) -> RetryingBackend:
    return RetryingBackend(HfApiBackend(endpoint=url, token=TOKEN), RetryPolicy(**policy),  # type: ignore[arg-type]
                           sleep=waits, notify=(notes.append if notes is not None else None))


def test_a_redirect_to_another_origin_is_never_followed(waits: Waits) -> None:
    with scripted_server(lambda seen: Answer(200, {"name": "elsewhere"})) as elsewhere, \
            scripted_server(lambda seen: Answer(307, headers={"Location": elsewhere.url + seen.path})) as hub:
        with pytest.raises(HubError, match="redirect to another origin") as raised:
            backend(hub.url, waits).run_job("alice", REQUEST)
        assert not elsewhere.seen  # neither the body (secret values) nor the token went there
        assert len(hub.seen) == 1 and SECRET.encode() in hub.seen[0].body
        assert SECRET not in str(raised.value) and TOKEN not in str(raised.value)


def test_a_redirect_on_the_same_origin_is_followed(waits: Waits) -> None:
    def answer(seen: Seen) -> Answer:
        if seen.path.startswith("/api/whoami-v2"):
            return Answer(200, {"name": "alice", "type": "user"})
        return Answer(308, headers={"Location": "/api/whoami-v2"})

    with scripted_server(answer) as hub:
        api = HfApiBackend(endpoint=hub.url + "/old", token=TOKEN)
        assert api.whoami() == "alice"


def test_retries_happen_in_one_layer(waits: Waits) -> None:
    with scripted_server(lambda seen: Answer(503, {"error": "overloaded"})) as hub:
        with pytest.raises(HubTransportError, match=r"503: overloaded.*gave up after 3 attempts"):
            backend(hub.url, waits, attempts=3).list_jobs("alice", {"hfjobs-project": "p"})
        assert len(hub.seen) == 3  # the client's own five retries per call never fire
        assert len(waits) == 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_refused_connection_gives_up_within_the_connect_budget(waits: Waits) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(HubTransportError, match="cannot connect to the Hub") as raised:
        backend(url, waits, base_delay=2.0, max_delay=8.0).list_scheduled_jobs("alice", {})
    assert sum(waits) <= RetryPolicy().connect_deadline
    assert "\n" not in str(raised.value)


def test_a_long_rate_limit_wait_is_not_waited_out(waits: Waits) -> None:
    with scripted_server(lambda seen: Answer(429, {"error": "slow down"}, {"Retry-After": "200"})) as hub:
        with pytest.raises(HubRateLimitError, match="asks to wait 200 s") as raised:
            backend(hub.url, waits).list_scheduled_jobs("alice", {})
        assert waits == [] and len(hub.seen) == 1
        assert "try again later" in str(raised.value)


@pytest.mark.parametrize("headers", [
    {"RateLimit": '"api";r=0;t=12', "RateLimit-Policy": '"fixed window";"api";q=500;w=300'},
    {"RateLimit": '"api";r=0;t=12', "Retry-After": "3"},
])
def test_the_ratelimit_header_is_honoured(waits: Waits, headers: dict[str, str]) -> None:
    answers = iter([Answer(429, {"error": "rate limited"}, headers), Answer(200, [])])
    notes: list[str] = []
    with scripted_server(lambda seen: next(answers)) as hub:
        assert backend(hub.url, waits, notes).list_scheduled_jobs("alice", {}) == []
    assert waits == [12.0]
    (note,) = notes
    assert note.startswith("waiting 12 s before retrying") and "429" in note


def test_payment_required_is_final(waits: Waits) -> None:
    message = "Pre-paid credit balance is insufficient - add more credits to your account to use Jobs."
    with scripted_server(lambda seen: Answer(402, {"error": message}, {"X-Error-Message": message})) as hub:
        with pytest.raises(HubPaymentError, match="402 Payment Required: Pre-paid credit balance"):
            backend(hub.url, waits).run_job("alice", REQUEST)
        assert len(hub.seen) == 1 and waits == []


def test_forbidden_is_final(waits: Waits) -> None:
    with scripted_server(lambda seen: Answer(403, {"error": "no access to acme"})) as hub:
        with pytest.raises(HubAuthError, match="403: no access to acme"):
            backend(hub.url, waits).list_jobs("acme", {})
        assert len(hub.seen) == 1 and waits == []


@pytest.fixture(autouse=True)
def _our_http_client() -> None:
    install_http_client()  # as open_backend does; the suite restores the library's own afterwards


def test_the_hubs_error_message_is_data_never_a_terminal_escape_or_a_token(waits: Waits) -> None:
    quoted = "hf_" + "Q" * 34
    hostile = f"bad\x1b[2J\x1b]0;pwned\x07 request {quoted}\r::add-mask::x"
    with scripted_server(lambda seen: Answer(400, {"error": hostile})) as hub, pytest.raises(HubError) as raised:
        backend(hub.url, waits).run_job("alice", REQUEST)
    message = str(raised.value)
    assert "bad" in message and "request" in message
    assert "\x1b" not in message and "\x07" not in message and "\r" not in message
    assert quoted not in message and "hf_***" in message
