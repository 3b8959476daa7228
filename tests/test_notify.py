"""Overdue notifications to WeCom / DingTalk / Feishu robots, posted to a server on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit
from zoneinfo import ZoneInfo

import pytest

from generator.notify import MAX_BYTES, NotifyError, OverdueItem, build_request, message, post
from tests.test_check_gitrepo import AS_OF, PlayRepo

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 6, 9, 0, tzinfo=TZ)
ITEMS = [
    OverdueItem("KS-2026-0042", "恒力工控 线束端子退针", "最终报告", datetime(2026, 3, 1, 18, tzinfo=TZ),
                "王磊"),
    OverdueItem("KS-2026-0040", "星辰通信 SSD 掉盘", "FAE 到现场", datetime(2026, 3, 6, 5, tzinfo=TZ)),
]  # fmt: skip


class Robot:
    """Answers like a group robot; remembers what it was sent."""

    def __init__(self) -> None:
        self.answer: tuple[int, Any] = (200, {"errcode": 0, "errmsg": "ok"})
        self.got: list[tuple[str, Any]] = []
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers["Content-Length"])
                robot.got.append((self.path, json.loads(self.rfile.read(size))))
                status, body = robot.answer
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/webhook/send?key=SECRET-KEY"


@pytest.fixture
def robot() -> Iterator[Robot]:
    r = Robot()
    threading.Thread(target=r.server.serve_forever, daemon=True).start()
    try:
        yield r
    finally:
        r.server.shutdown()
        r.server.server_close()


def test_message_lists_most_overdue_first() -> None:
    text = message(ITEMS, NOW, "zh", "https://intranet.example/kesu/")
    assert text.splitlines() == [
        "**逾期客诉 2 项**（截至 2026-03-06 09:00）",
        "- KS-2026-0042 恒力工控 线束端子退针：最终报告 应于 03-01 18:00 完成，已逾期 4 天（王磊）",
        "- KS-2026-0040 星辰通信 SSD 掉盘：FAE 到现场 应于 03-06 05:00 完成，已逾期 4 小时",
        "[打开台账](https://intranet.example/kesu/)",
    ]
    assert message(ITEMS, NOW, "en").splitlines()[1] == (
        "- KS-2026-0042 恒力工控 线束端子退针: 最终报告 due 03-01 18:00, 4 days late (王磊)")


def test_long_lists_are_cut_to_fit() -> None:
    many = [OverdueItem(f"KS-2026-{i:04d}", "很长的标题" * 10, "最终报告", ITEMS[0].due)
            for i in range(200)]  # fmt: skip
    text = message(many, NOW, "zh")
    assert len(text.encode()) <= MAX_BYTES
    assert text.splitlines()[-1].startswith("- …… 另有 ")


def test_payload_shapes() -> None:
    url, body = build_request("wecom", "https://qyapi.weixin.qq.com/x?key=k", "md", "t")
    assert body == {"msgtype": "markdown", "markdown": {"content": "md"}}
    url, body = build_request("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=a",
                              "md", "逾期客诉")  # fmt: skip
    assert body == {"msgtype": "markdown", "markdown": {"title": "逾期客诉", "text": "md"}}
    assert url.endswith("access_token=a")
    _, body = build_request("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/x", "md", "t")
    assert body == {"msg_type": "text", "content": {"text": "md"}}
    with pytest.raises(NotifyError, match="Unknown notification kind"):
        build_request("slack", "https://x", "md", "t")


def test_signing() -> None:
    url, _ = build_request("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=a", "m",
                           "t", secret="SEC", now=NOW)  # fmt: skip
    query = parse_qs(urlsplit(url).query)
    ts = query["timestamp"][0]
    assert ts == str(int(NOW.timestamp() * 1000))
    want = base64.b64encode(hmac.new(b"SEC", f"{ts}\nSEC".encode(), hashlib.sha256).digest())
    assert unquote_plus(url.split("sign=")[1]) == want.decode()
    _, body = build_request("feishu", "https://open.feishu.cn/x", "m", "t", secret="SEC", now=NOW)
    want = base64.b64encode(hmac.new(f"{body['timestamp']}\nSEC".encode(), b"",
                                     hashlib.sha256).digest())  # fmt: skip
    assert body["sign"] == want.decode() and body["timestamp"] == str(int(NOW.timestamp()))


def test_post_to_a_local_robot(robot: Robot) -> None:
    target, body = build_request("wecom", robot.url, message(ITEMS, NOW, "zh"), "逾期客诉")
    assert post(target, body) == {"errcode": 0, "errmsg": "ok"}
    path, sent = robot.got[0]
    assert path.endswith("key=SECRET-KEY")
    assert sent["markdown"]["content"].startswith("**逾期客诉 2 项**")


@pytest.mark.parametrize(
    ("answer", "text"),
    [
        ((200, {"errcode": 93000, "errmsg": "invalid webhook url"}), "refused the message"),
        ((200, {"code": 19021, "msg": "sign match fail"}), "refused the message"),
        ((500, {"message": "oops"}), "answered 500"),
    ],
)
def test_robot_errors_never_show_the_key(robot: Robot, answer: tuple[int, Any], text: str) -> None:
    robot.answer = answer
    with pytest.raises(NotifyError) as info:
        post(robot.url, {"msgtype": "text"})
    assert text in info.value.en
    assert "SECRET-KEY" not in info.value.en + info.value.zh


def test_unreachable_and_plain_http_urls() -> None:
    with pytest.raises(NotifyError, match=r"cannot reach 127\.0\.0\.1"):
        post("http://127.0.0.1:9/hook?key=SECRET-KEY", {}, timeout=2)
    with pytest.raises(NotifyError, match=r"must be an https URL"):
        post("http://robot.example.com/hook", {})


def _enable(play: PlayRepo, kind: str = "wecom") -> None:
    text = (play.root / "kesu.yaml").read_text(encoding="utf-8")
    (play.root / "kesu.yaml").write_text(
        text + f"notifications:\n  enabled: true\n  kind: {kind}\n", encoding="utf-8")


def test_cli_is_off_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    play = PlayRepo(tmp_path / "repo", capsys)
    assert play.run("notify", lang="zh")[:2] == (
        0, "通知未启用（kesu.yaml 的 notifications.enabled），不发送。\n")  # fmt: skip


def test_cli_posts_the_overdue_list(robot: Robot, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    play = PlayRepo(tmp_path / "repo", capsys)
    _enable(play)
    monkeypatch.delenv("KESU_WEBHOOK_URL", raising=False)
    code, _out, err = play.run("notify", "--as-of", AS_OF)
    assert code == 2 and "$KESU_WEBHOOK_URL is empty" in err
    monkeypatch.setenv("KESU_WEBHOOK_URL", robot.url)
    code, out, err = play.run("notify", "--as-of", AS_OF, "--site-url", "https://kesu.example/")
    assert (code, err) == (0, "")
    assert out.startswith("Posted ")
    sent = robot.got[0][1]["markdown"]["content"]
    assert "KS-2025-0003" in sent and "(as of 2025-03-01 12:00)" in sent
    assert "SECRET-KEY" not in out


def test_cli_dry_run_sends_nothing(robot: Robot, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    play = PlayRepo(tmp_path / "repo", capsys)
    monkeypatch.setenv("KESU_WEBHOOK_URL", robot.url)
    code, out, _ = play.run("notify", "--dry-run", "--kind", "feishu", "--as-of", AS_OF)
    assert code == 0 and robot.got == []
    assert json.loads(out)["msg_type"] == "text"
