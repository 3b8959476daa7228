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

from generator.net.notify import (
    KINDS,
    MAX_BYTES,
    NotifyError,
    OverdueItem,
    build_request,
    inert,
    link_target,
    message,
    post,
)
from tests.http_servers import Answer, Server, json_answer, redirect
from tests.test_check_gitrepo import AS_OF, PlayRepo

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 6, 9, 0, tzinfo=TZ)
ITEMS = [
    OverdueItem(
        "KS-2026-0042",
        "恒力工控 线束端子退针",
        "最终报告",
        datetime(2026, 3, 1, 18, tzinfo=TZ),
        "王磊",
    ),
    OverdueItem(
        "KS-2026-0040", "星辰通信 SSD 掉盘", "FAE 到现场", datetime(2026, 3, 6, 5, tzinfo=TZ)
    ),
]


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
        self.url = (
            f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/webhook/send?key=SECRET-KEY"
        )


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
        "- KS-2026-0042 恒力工控 线束端子退针: 最终报告 due 03-01 18:00, 4 days late (王磊)"
    )


def test_long_lists_are_cut_to_fit() -> None:
    many = [
        OverdueItem(f"KS-2026-{i:04d}", "很长的标题" * 10, "最终报告", ITEMS[0].due)
        for i in range(200)
    ]
    text = message(many, NOW, "zh")
    assert len(text.encode()) <= MAX_BYTES
    assert text.splitlines()[-1].startswith("- …… 另有 ")


def test_payload_shapes() -> None:
    url, body = build_request("wecom", "https://qyapi.weixin.qq.com/x?key=k", "md", "t")
    assert body == {"msgtype": "markdown", "markdown": {"content": "md"}}
    url, body = build_request(
        "dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=a", "md", "逾期客诉"
    )
    assert body == {"msgtype": "markdown", "markdown": {"title": "逾期客诉", "text": "md"}}
    assert url.endswith("access_token=a")
    _, body = build_request("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/x", "md", "t")
    assert body == {"msg_type": "text", "content": {"text": "md"}}
    with pytest.raises(NotifyError, match="Unknown notification kind"):
        build_request("slack", "https://x", "md", "t")


def test_signing() -> None:
    url, _ = build_request(
        "dingtalk",
        "https://oapi.dingtalk.com/robot/send?access_token=a",
        "m",
        "t",
        secret="SEC",
        now=NOW,
    )
    query = parse_qs(urlsplit(url).query)
    ts = query["timestamp"][0]
    assert ts == str(int(NOW.timestamp() * 1000))
    want = base64.b64encode(hmac.new(b"SEC", f"{ts}\nSEC".encode(), hashlib.sha256).digest())
    assert unquote_plus(url.split("sign=")[1]) == want.decode()
    _, body = build_request("feishu", "https://open.feishu.cn/x", "m", "t", secret="SEC", now=NOW)
    want = base64.b64encode(
        hmac.new(f"{body['timestamp']}\nSEC".encode(), b"", hashlib.sha256).digest()
    )
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
        post("http://127.0.0.1:9/hook?key=SECRET-KEY", {}, deadline=2)
    with pytest.raises(NotifyError, match=r"must be an https URL"):
        post("http://robot.example.com/hook", {})


def _enable(play: PlayRepo, kind: str = "wecom") -> None:
    text = (play.root / "kesu.yaml").read_text(encoding="utf-8")
    (play.root / "kesu.yaml").write_text(
        text + f"notifications:\n  enabled: true\n  kind: {kind}\n", encoding="utf-8"
    )


def test_cli_is_off_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    play = PlayRepo(tmp_path / "repo", capsys)
    assert play.run("notify", lang="zh")[:2] == (
        0,
        "通知未启用（kesu.yaml 的 notifications.enabled），不发送。\n",
    )


def test_cli_posts_the_overdue_list(
    robot: Robot,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
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


def test_cli_dry_run_sends_nothing(
    robot: Robot,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    play = PlayRepo(tmp_path / "repo", capsys)
    monkeypatch.setenv("KESU_WEBHOOK_URL", robot.url)
    code, out, _ = play.run("notify", "--dry-run", "--kind", "feishu", "--as-of", AS_OF)
    assert code == 0 and robot.got == []
    assert json.loads(out)["msg_type"] == "text"


# ------------------------------------------------------------------ hostile record text


HOSTILE = [
    ("[点此](https://evil.example)", "［点此］（https：//evil.example）"),
    ("![x](https://evil.example/p.png)", "!［x］（https：//evil.example/p.png）"),
    ("<font color=warning>紧急</font>", "＜font color=warning＞紧急＜/font＞"),
    ('<@all> <at user_id="all">所有人</at>', '＜＠all＞ ＜at user_id="all"＞所有人＜/at＞'),
    ("**粗体** `代码` ~~删~~", "＊＊粗体＊＊ ｀代码｀ ～～删～～"),
    ("第一行\n# 标题\r\n> 引用\u2028下一段", "第一行 # 标题 ＞ 引用 下一段"),
    ("&lt;b&gt; \\[", "＆lt;b＆gt; ＼［"),
    ("看 https://evil.example 和 ftp://x", "看 https：//evil.example 和 ftp：//x"),
    ("a\u202eb\u200bc\x00d\te", "a b c d e"),  # bidi override, zero width, NUL, tab
    ("  线束端子退针  ", "线束端子退针"),
]


@pytest.mark.parametrize(("text", "shown"), HOSTILE)
def test_record_text_is_inert(text: str, shown: str) -> None:
    assert inert(text, "wecom") == shown
    assert inert(text, "feishu") == shown


def test_dingtalk_also_neutralises_headings() -> None:
    assert inert("#1 机台 @13800000000", "dingtalk") == "＃1 机台 ＠13800000000"
    assert inert("#1 机台", "wecom") == "#1 机台"


def _payload_text(kind: str, body: dict[str, Any]) -> str:
    if kind == "wecom":
        return str(body["markdown"]["content"])
    if kind == "dingtalk":
        return str(body["markdown"]["text"])
    return str(body["content"]["text"])


@pytest.mark.parametrize("kind", KINDS)
def test_titles_with_markdown_are_escaped_in_the_payload(kind: str) -> None:
    evil = [
        OverdueItem(
            "KS-2026-0042",
            "[点此](https://evil.example)\n**假通知**",
            "最终报告",
            ITEMS[0].due,
            "<@all>",
        ),
    ]
    text = message(evil, NOW, "zh", "https://kesu.example/ledger (v2)", kind)
    _, body = build_request(kind, "https://robot.example/hook", text, "逾期客诉")
    sent = _payload_text(kind, body)
    lines = sent.splitlines()
    assert lines[1] == (
        "- KS-2026-0042 ［点此］（https：//evil.example） ＊＊假通知＊＊：最终报告 应于 03-01 "
        "18:00 完成，已逾期 4 天（＜＠all＞）"
    )
    assert "](" not in lines[1] and "://" not in lines[1] and "<" not in lines[1]
    assert lines[-1] == "[打开台账](https://kesu.example/ledger%20%28v2%29)"  # our own link
    assert len(lines) == 3


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("https://kesu.example/a b", "https://kesu.example/a%20b"),
        ("https://kesu.example/x)](https://evil", "https://kesu.example/x%29%5D%28https://evil"),
        ("javascript:alert(1)", None),
        ("https://kesu.example/\n[x](y)", None),
        ("not a url", None),
    ],
)
def test_the_site_link_is_a_plain_http_url(url: str, target: str | None) -> None:
    assert link_target(url) == target


def test_cli_refuses_a_site_url_that_is_not_http(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    play = PlayRepo(tmp_path / "repo", capsys)
    code, _, err = play.run(
        "notify", "--dry-run", "--kind", "wecom", "--as-of", AS_OF, "--site-url", "javascript:x"
    )
    assert code == 2 and "--site-url must be an http(s) URL" in err


def test_cli_escapes_a_hostile_record_title(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    play = PlayRepo(tmp_path / "repo", capsys)
    _enable(play)
    play.edit("KS-2025-0003", lambda d: d.update(title="[点此领取](https://evil.example)"))
    with Server(lambda _: json_answer({"errcode": 0, "errmsg": "ok"})) as robot:
        monkeypatch.setenv("KESU_WEBHOOK_URL", f"{robot.url}/cgi-bin/webhook/send?key=K")
        code, out, err = play.run("notify", "--as-of", AS_OF)
    assert (code, err) == (0, ""), out
    sent = robot.requests[0].json()["markdown"]["content"]
    assert "［点此领取］（https：//evil.example）" in sent
    assert "evil.example)" not in sent and "[点此领取]" not in sent


# ------------------------------------------------------------------ hostile robots


@pytest.mark.parametrize(
    ("answer", "text"),
    [
        (Answer(200, b'{"errcode": 0, "errmsg": "\xff"}'), "is not UTF-8"),
        (Answer(200, b"{'errcode': 0}"), "is not JSON"),
        (Answer(200, b"<html>ok</html>"), "is not JSON"),
        (Answer(502, b"Bad Gateway"), "127.0.0.1 answered 502"),
        (Answer(200, b" " * 70_000 + b"{}"), "exceeds 65536 bytes"),
        (json_answer(["ok"]), "refused the message: not a JSON object (list)"),
        (json_answer({"errcode": 1, "errmsg": "bad\n\x1b[31mred" + "x" * 500}), "1 bad [31mred"),
    ],
)
def test_robot_answers_that_are_not_ok(answer: Answer, text: str) -> None:
    with Server(lambda _: answer) as robot, pytest.raises(NotifyError) as info:
        post(f"{robot.url}/hook?key=SECRET-KEY", {"msgtype": "text"})
    assert text in info.value.en
    assert "SECRET-KEY" not in info.value.en + info.value.zh
    assert "\x1b" not in info.value.en and len(info.value.en) < 400


def test_a_redirecting_robot_gets_no_second_post() -> None:
    with Server(lambda _: json_answer({"errcode": 0})) as other:
        to_other = redirect(f"http://localhost:{other.port}/x", 307)
        with Server(lambda _: to_other) as robot, pytest.raises(NotifyError, match="to localhost"):
            post(f"{robot.url}/hook?key=SECRET-KEY", {"msgtype": "text"})
    assert other.requests == []


def test_a_drip_feeding_robot_is_cut_at_the_deadline() -> None:
    answer = Answer(200, b'{"errcode": 0' + b" " * 4000 + b"}", drip=0.05)
    with Server(lambda _: answer) as robot, pytest.raises(NotifyError) as info:
        post(f"{robot.url}/hook?key=K", {"msgtype": "text"}, deadline=0.3)
    assert "did not answer within 0.3 s" in info.value.en
    assert "未在 0.3 秒内完成应答" in info.value.zh


@pytest.mark.parametrize(
    ("answer", "text"),
    [
        (Answer(200, b"\xff\xfe"), "is not UTF-8"),
        (Answer(200, b"not json"), "is not JSON"),
        (Answer(500, b"{}"), "answered 500"),
        (json_answer({"errcode": 93000, "errmsg": "invalid webhook url"}), "invalid webhook url"),
    ],
)
def test_cli_robot_failures_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    answer: Answer,
    text: str,
) -> None:
    play = PlayRepo(tmp_path / "repo", capsys)
    _enable(play)
    with Server(lambda _: answer) as robot:
        monkeypatch.setenv("KESU_WEBHOOK_URL", f"{robot.url}/hook?key=SECRET-KEY")
        code, out, err = play.run("notify", "--as-of", AS_OF)
        code_zh, _, err_zh = play.run("notify", "--as-of", AS_OF, lang="zh")
    assert (code, code_zh) == (2, 2)
    assert err.startswith("kesu notify: ") and text in err
    assert "SECRET-KEY" not in out + err + err_zh
    assert "Traceback" not in err and "internal error" not in err
    assert err_zh.startswith("kesu notify: ") and ("通知发送失败" in err_zh or "拒绝" in err_zh)
