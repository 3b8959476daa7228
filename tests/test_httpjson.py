"""The HTTP/JSON client against hostile servers on 127.0.0.1 (tests/http_servers.py)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from generator.net import httpjson
from generator.net.httpjson import (
    BadAnswer,
    DeadlineExceeded,
    HttpProblem,
    HttpStatus,
    NotAllowed,
    NotJson,
    NotUtf8,
    Redirected,
    TooLarge,
    Unreachable,
    request_json,
)
from tests.http_servers import Answer, Server, json_answer, redirect, self_signed, serving

AUTH = {"Authorization": "Bearer SECRET-TOKEN"}


def test_get_and_post_json() -> None:
    with serving(lambda seen: json_answer({"got": seen.method, "path": seen.path})) as srv:
        assert request_json(f"{srv.url}/a?b=1", AUTH) == {"got": "GET", "path": "/a?b=1"}
        assert request_json(f"{srv.url}/p", {}, {"text": "逾期"}) == {"got": "POST", "path": "/p"}
    assert srv.requests[0].headers["authorization"] == "Bearer SECRET-TOKEN"
    assert srv.requests[1].json() == {"text": "逾期"}
    assert srv.requests[1].headers["content-type"] == "application/json; charset=utf-8"


def test_empty_body_is_none() -> None:
    with serving(lambda _: Answer(204)) as srv:
        assert request_json(srv.url, {}) is None


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_not_followed_and_credentials_stay_home(status: int) -> None:
    with serving(lambda _: json_answer({"stolen": True})) as elsewhere:
        target = f"http://localhost:{elsewhere.port}/collect"
        with serving(lambda _: redirect(target, status)) as home, pytest.raises(Redirected) as info:
            request_json(f"{home.url}/repos/x", AUTH)
    assert elsewhere.requests == []  # nothing at all went to the other host
    assert len(home.requests) == 1
    assert info.value.location_host == "localhost"
    assert info.value.status == status
    assert f"answered {status}, a redirect to localhost" in info.value.en
    assert "重定向到 localhost" in info.value.zh
    assert "SECRET" not in info.value.en + info.value.zh


def test_redirect_to_a_relative_location_names_the_same_host() -> None:
    with serving(lambda _: redirect("/elsewhere")) as srv, pytest.raises(Redirected) as info:
        request_json(srv.url, AUTH)
    assert info.value.location_host == "127.0.0.1"


@pytest.mark.parametrize(
    "answer",
    [
        Answer(200, b"[" + b"1," * 2000 + b"1]", drip=0.05),
        Answer(200, b"[" + b"1," * 2000 + b"1]", drip=0.05, drip_body_only=True),
        Answer(200, b"[" + b"1," * 2000 + b"1]", drip=0.05, drip_body_only=True, length=False),
    ],
    ids=["head", "body", "body-without-length"],
)
def test_a_drip_feeding_server_is_cut_at_the_deadline(answer: Answer) -> None:
    # One byte every 50 ms: no single read waits long, so only an overall deadline stops it
    # (a per-read timeout would wait for all 4,000 bytes, 200 s).
    with serving(lambda _: answer) as srv, pytest.raises(DeadlineExceeded) as info:
        request_json(srv.url, {}, deadline=0.4)
    assert "did not answer within 0.4 s" in info.value.en
    assert "未在 0.4 秒内完成应答" in info.value.zh


def test_deadline_covers_a_server_that_never_answers() -> None:
    with socket.socket() as quiet:  # accepts (the kernel does) but never says a word
        quiet.bind(("127.0.0.1", 0))
        quiet.listen()
        port = quiet.getsockname()[1]
        with pytest.raises(DeadlineExceeded):
            request_json(f"http://127.0.0.1:{port}/", {}, deadline=0.3)


@pytest.mark.parametrize(
    "answer",
    [
        Answer(200, b"[" + b"0," * 1000 + b"0]"),  # Content-Length above the cap
        Answer(200, b"[" + b"0," * 1000 + b"0]", length=False),  # no length: cut while reading
        Answer(200, b"[" + b"0," * 1000 + b"0]", declared_length=10),  # lies, then more
    ],
)
def test_answers_over_the_cap_are_refused(answer: Answer) -> None:
    with serving(lambda _: answer) as srv:
        if answer.declared_length is not None:
            # http.client reads exactly the declared length: no more than that is read
            with pytest.raises(NotJson):
                request_json(srv.url, {}, max_bytes=1024)
            return
        with pytest.raises(TooLarge) as info:
            request_json(srv.url, {}, max_bytes=1024)
    assert "exceeds 1024 bytes" in info.value.en


def test_the_default_cap_is_8_mib() -> None:
    assert httpjson.DEFAULT_MAX_BYTES == 8 * 1024 * 1024


@pytest.mark.parametrize(
    ("body", "error", "text"),
    [
        (b'{"errmsg": "\xff\xfe ok"}', NotUtf8, "is not UTF-8 (byte 12)"),
        ('{"errmsg": "好"}'.encode("gbk"), NotUtf8, "is not UTF-8"),
        (b'{"errcode": 0,', NotJson, "is not JSON"),
        (b"<html>502 Bad Gateway</html>", NotJson, "is not JSON"),
        (b"[" * 100_000, NotJson, "is not JSON"),  # deep enough to exhaust the parser's stack
        (b"\xef\xbb\xbf{}", NotJson, "is not JSON"),  # a BOM is not JSON
    ],
)
def test_answers_must_be_utf8_json(body: bytes, error: type[HttpProblem], text: str) -> None:
    with serving(lambda _: Answer(200, body)) as srv, pytest.raises(error) as info:
        request_json(srv.url, {})
    assert text in info.value.en
    assert isinstance(info.value, BadAnswer)


def test_not_http_at_all() -> None:
    with socket.socket() as junk:
        junk.bind(("127.0.0.1", 0))
        junk.listen()
        port = junk.getsockname()[1]

        def talk() -> None:
            conn, _ = junk.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

        threading.Thread(target=talk, daemon=True).start()
        with pytest.raises(BadAnswer, match="not valid HTTP"):
            request_json(f"http://127.0.0.1:{port}/", {}, deadline=5)


def test_http_status_errors_carry_the_status() -> None:
    answer = json_answer({"message": "Bad credentials"}, 401)
    with serving(lambda _: answer) as srv, pytest.raises(HttpStatus) as info:
        request_json(srv.url, AUTH)
    assert info.value.status == 401
    assert info.value.en == "127.0.0.1 answered 401"


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("http://api.example.com/x", "must be an https URL (http://api.example.com)"),
        ("ftp://127.0.0.1/x", "must be an https URL (ftp://127.0.0.1)"),
        ("file:///etc/passwd", "the URL has no host"),
        ("https://user:pw@api.example.com/", "must not carry a user or password"),
        ("https://api.example.com:99999/", "the URL is malformed"),
        ("api.example.com/x", "the URL has no host"),
    ],
)
def test_only_https_or_loopback_urls(url: str, text: str) -> None:
    with pytest.raises(NotAllowed) as info:
        request_json(url, AUTH)
    assert text in info.value.en
    assert "pw" not in info.value.en


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.github.com/", True),
        ("http://127.0.0.1:8080/", True),
        ("http://127.1.2.3/", True),
        ("http://[::1]:8080/", True),
        ("http://localhost/", True),
        ("http://10.0.0.1/", False),
        ("http://localhost.evil.example/", False),
    ],
)
def test_allowed(url: str, ok: bool) -> None:
    assert httpjson.allowed(url) is ok


def test_nothing_listening() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(Unreachable, match=r"cannot reach 127\.0\.0\.1"):
            request_json(f"http://127.0.0.1:{port}/", {}, deadline=5)


def test_the_proxy_is_used_for_https_and_its_refusal_is_clear(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bytes] = []

    with socket.socket() as proxy:
        proxy.bind(("127.0.0.1", 0))
        proxy.listen()
        port = proxy.getsockname()[1]

        def refuse() -> None:
            conn, _ = proxy.accept()
            with conn:
                seen.append(conn.recv(65536))
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

        threading.Thread(target=refuse, daemon=True).start()
        monkeypatch.setenv("https_proxy", f"http://kesu:pw@127.0.0.1:{port}")
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        with pytest.raises(Unreachable) as info:
            request_json("https://api.github.com/repos", AUTH, deadline=5)
    assert "the proxy refused to connect to api.github.com (403)" in info.value.en
    assert seen[0].startswith(b"CONNECT api.github.com:443 HTTP/1.1\r\n")
    assert b"Proxy-Authorization: Basic a2VzdTpwdw==" in seen[0]
    assert b"SECRET-TOKEN" not in seen[0]  # the token only goes inside the TLS tunnel


def test_loopback_never_goes_through_the_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    with serving(lambda _: json_answer([1])) as srv:
        assert request_json(srv.url, {}) == [1]


def test_a_server_object_can_be_reused() -> None:
    srv = Server(lambda _: json_answer({"n": 1}))
    with srv:
        assert request_json(srv.url, {}) == {"n": 1}


def test_tls_certificates_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tls = self_signed(tmp_path)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "none"))
    with Server(lambda _: json_answer({"ok": 1}), tls=tls) as srv:
        with pytest.raises(Unreachable) as info:
            request_json(srv.url, AUTH, deadline=5)
        assert "the TLS certificate of localhost is not valid" in info.value.en
        monkeypatch.setenv("SSL_CERT_FILE", str(tls[0]))  # now trusted
        assert request_json(f"{srv.url}/x", AUTH, deadline=5) == {"ok": 1}
    assert [r.path for r in srv.requests] == ["/x"]  # nothing was sent before the check passed
    assert srv.requests[0].headers["authorization"] == "Bearer SECRET-TOKEN"


def test_the_deadline_covers_a_stalled_tls_handshake() -> None:
    with socket.socket() as quiet:  # TCP accepted by the kernel, no TLS server hello ever
        quiet.bind(("127.0.0.1", 0))
        quiet.listen()
        port = quiet.getsockname()[1]
        with pytest.raises(DeadlineExceeded):
            request_json(f"https://127.0.0.1:{port}/", AUTH, deadline=0.3)
