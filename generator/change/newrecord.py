"""``kesu new``: a new record with the next free id, never overwriting a file.

The next number comes from the base branch *and* the working tree (design decision 8): two
branches may still pick the same number in parallel, which ``kesu check`` catches on the merge
result and explains how to renumber.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from generator.common.diagnostics import Diagnostic
from generator.common.ids import spelled
from generator.config.settings import RepoConfig
from generator.load.discover import RECORD_SUFFIX, discover

if TYPE_CHECKING:
    import git  # GitPython is imported when a command needs it (it costs 50 ms a start)

DEFAULT_BASES = ("origin/HEAD", "origin/main", "HEAD")
CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "origin": (("external", "外部客诉（客户提出）"), ("internal", "内部客诉（公司自己提出）")),
    "category": (("quality", "质量"), ("delivery", "交期"), ("service", "服务"), ("other", "其他")),
    "channel": (
        ("phone", "电话"),
        ("email", "邮件"),
        ("written", "书面报告/8D"),
        ("platform", "客户平台"),
        ("onsite", "现场"),
        ("meeting", "会议"),
        ("other", "其他"),
    ),
}
PROMPTS: tuple[tuple[str, str], ...] = (
    ("title", "标题（客户、产品、现象，一句话）"),
    ("customer", "客户公司"),
    ("product", "产品名称"),
    ("origin", "来源"),
    ("category", "类型"),
    ("channel", "反馈渠道"),
    ("description", "问题描述（尽量用客户原话）"),
)
DEFAULTS = {"origin": "external", "category": "quality"}


@dataclass(frozen=True, slots=True)
class NewFields:
    title: str
    customer: str
    product: str
    channel: str
    origin: str = "external"
    category: str = "quality"
    description: str = ""


@dataclass(frozen=True, slots=True)
class Created:
    id: str
    path: Path
    base: str | None
    """The revision the number was taken from (``origin/main``, ``HEAD``…), None outside Git."""


def _id_pattern(prefix: str, year: int) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(prefix)}-{year:04d}-([0-9]+)(?:-[0-9]{{1,2}})?$")


def next_id(prefix: str, year: int, taken: Iterable[str], digits: int = 4) -> str:
    """``PREFIX-YEAR-NNNN`` one above the highest number of that prefix and year, however
    the taken ids spell their numbers (``id_digits`` wide)."""
    pattern = _id_pattern(prefix, year)
    numbers = [int(m[1]) for name in taken if (m := pattern.match(name))]
    return spelled(prefix, year, max(numbers, default=0) + 1, digits)


def default_base(repo: git.Repo) -> str | None:
    import git

    """The first of origin/HEAD, origin/main, HEAD that exists; None before the first commit."""
    for ref in DEFAULT_BASES:
        try:
            repo.commit(ref)
        except (git.BadName, ValueError):
            continue
        return ref
    return None


def taken_ids(config: RepoConfig, base: str | None) -> tuple[set[str], str | None]:
    from generator.change.base import open_repo, record_blobs, records_prefix, resolve
    from generator.common.diagnostics import ChangeError

    """Ids in the working tree and on the base revision (default: see :func:`default_base`)."""
    files, _ = (
        discover([config.records_path], config.root) if config.records_path.is_dir() else ([], [])
    )
    names = {p.name[: -len(RECORD_SUFFIX)] for p in files}
    try:
        repo = open_repo(config.root)
    except ChangeError:
        if base is not None:
            raise
        return names, None
    ref = base if base is not None else default_base(repo)
    if ref is None:
        return names, None
    commit = resolve(repo, ref)
    prefix = records_prefix(repo, config.root, config.records_dir)
    for display, _blob in record_blobs(commit, prefix, PurePosixPath(config.records_dir)):
        names.add(PurePosixPath(display).name[: -len(RECORD_SUFFIX)])
    return names, ref


def _q(value: str) -> str:
    # JSON strings are valid YAML double-quoted scalars: safe for ': ', '#', '@', quotes …
    return json.dumps(value, ensure_ascii=False)


def render(rid: str, fields: NewFields, received_at: datetime, schema_ref: str) -> str:
    """The new file: modeline, required fields, and what to fill in next."""
    description = fields.description or fields.title
    todo = "" if fields.description else "  # 请用客户原话补充 / in the customer's words"
    return (
        f"# yaml-language-server: $schema={schema_ref}\n"
        f"id: {rid}\n"
        f"title: {_q(fields.title)}\n"
        f"origin: {fields.origin}\n"
        f"category: {fields.category}\n"
        f"channel: {fields.channel}\n"
        f'received_at: "{received_at:%Y-%m-%d %H:%M}"\n'
        "status: registered\n"
        "customer:\n"
        f"  company: {_q(fields.customer)}\n"
        "product:\n"
        f"  name: {_q(fields.product)}\n"
        f"description: {_q(description)}{todo}\n"
        "# 接下来填写 / next: received_by, reporter, product (part_number, lots, quantities),\n"
        "# demands, problem_key, facts（定级事实 / grading facts）, responsibility, sample.\n"
        "# 字段说明 / field reference: docs/record-fields.md\n"
    )


def schema_ref(config: RepoConfig) -> str:
    target = config.root / "schema" / "complaint.schema.json"
    return PurePosixPath(os.path.relpath(target, config.records_path)).as_posix()


class InvalidFields(ValueError):
    """The given fields would make an invalid record; nothing was written."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(diagnostics[0].message_en)
        self.diagnostics = diagnostics


def _schema_problems(text: str, display: str) -> list[Diagnostic]:
    from generator.load.schemamsg import schema_diagnostics
    from generator.load.yamlload import load_yaml_bytes
    from generator.validate.records import complaint_validator

    loaded = load_yaml_bytes(text.encode("utf-8"), display)
    if loaded.data is None:
        return loaded.diagnostics
    return list(schema_diagnostics(complaint_validator(), loaded.data, display, loaded.text))


def _unwritable(fields: NewFields, display: str) -> list[Diagnostic]:
    """Values no UTF-8 file can hold: lone surrogates, which is what bytes that were not UTF-8
    on the command line become."""
    from generator.common.textrules import first_bad
    from generator.load.schemamsg import CHARACTER_CODE, character_message

    out = []
    for name, value, rule in (
        ("title", fields.title, "line"),
        ("customer.company", fields.customer, "line"),
        ("product.name", fields.product, "line"),
        ("description", fields.description, "text"),
    ):
        bad = first_bad(value, "text")
        if bad is not None and bad.kind == "surrogate":
            zh, en, hint_zh, hint_en = character_message(bad, rule)
            out.append(
                Diagnostic(
                    display, CHARACTER_CODE, zh, en, field=name, hint_zh=hint_zh, hint_en=hint_en
                )
            )
    return out


def create(
    config: RepoConfig, fields: NewFields, received_at: datetime, base: str | None = None
) -> Created:
    """Write ``records/<next id>.yaml``; raises FileExistsError rather than overwrite."""
    taken, used = taken_ids(config, base)
    local = received_at.astimezone(config.tz)
    rid = next_id(config.id_prefix, local.year, taken, config.id_digits)
    display = f"{config.records_dir}/{rid}{RECORD_SUFFIX}"
    if unwritable := _unwritable(fields, display):
        raise InvalidFields(unwritable)
    path = config.records_path / f"{rid}{RECORD_SUFFIX}"
    text = render(rid, fields, local, schema_ref(config))
    problems = _schema_problems(text, display)
    if problems:
        raise InvalidFields(problems)
    from generator.common.faults import write_atomic, writing

    with writing(path):  # all of the record or none of it, and never over another file
        config.records_path.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text, exclusive=True)
    return Created(rid, path, used)


def ask_fields(
    given: dict[str, str | None], ask: Callable[[str], str], say: Callable[[str], None]
) -> dict[str, str]:
    """Prompt (in Chinese) for every field not given on the command line."""
    out: dict[str, str] = {}
    for key, label in PROMPTS:
        value = given.get(key)
        while not value:
            options = CHOICES.get(key)
            default = DEFAULTS.get(key, "")
            if options:
                say(f"{label}：")
                for i, (code, zh) in enumerate(options, 1):
                    say(f"  {i}) {code}  {zh}")
            shown = f" [{default}]" if default else ""
            answer = ask(f"{label}{shown}: ").strip() or default
            if options and answer.isdigit() and 1 <= int(answer) <= len(options):
                answer = options[int(answer) - 1][0]
            elif options:
                answer = _by_name(options, answer)
            if options and answer not in {c for c, _ in options}:
                say(f"请选择 1–{len(options)} 或输入代码。")
                continue
            if key == "title" and len(answer) < 2:
                say("标题至少 2 个字。")
                continue
            if not answer and key == "description":
                break  # optional here: the title stands in, marked to be completed
            value = answer
        out[key] = value or ""
    return out


def _by_name(options: tuple[tuple[str, str], ...], answer: str) -> str:
    """The code of the option whose Chinese name is ``answer`` or starts with it (外部 →
    external), when exactly one does; otherwise ``answer`` unchanged."""
    if not answer or answer in {c for c, _ in options}:
        return answer
    hits = [c for c, zh in options if zh == answer or zh.split("（")[0] == answer]
    hits = hits or [c for c, zh in options if zh.startswith(answer)]
    return hits[0] if len(hits) == 1 else answer


RECEIVED_PROMPT = "接收时间（客户提出问题的时间，YYYY-MM-DD HH:MM；直接回车 = 现在 {now}）: "


def ask_received(
    now: datetime,
    parse: Callable[[str], datetime],
    ask: Callable[[str], str],
    say: Callable[[str], None],
) -> datetime:
    """Prompt for the receipt time (default ``now``): a complaint phoned in yesterday and
    registered today has yesterday's clock. ``parse`` raises ``ValueError`` with a message for
    text that is not a time; a time after ``now`` is refused."""
    while True:
        answer = ask(RECEIVED_PROMPT.format(now=f"{now:%Y-%m-%d %H:%M}")).strip()
        if not answer:
            return now
        try:
            when = parse(answer)
        except ValueError as exc:
            say(str(exc))
            continue
        if when > now:
            say("接收时间不能晚于现在：请检查日期与年份。")
            continue
        return when


def missing_flags(given: dict[str, str | None]) -> list[str]:
    """Flags a non-interactive run must have."""
    return [f"--{k}" for k in ("title", "customer", "product", "channel") if not given.get(k)]


# ------------------------------------------------------------------ kesu new --reopen

INHERITED = (
    "origin",
    "category",
    "channel",
    "customer",
    "reporter",
    "product",
    "defect_code",
    "problem_key",
    "facts",
    "responsibility",
)
"""What a reopening takes from its original: the intake facts and who is responsible (the
analysis, actions, approvals and closure start again)."""


class ReopenError(ValueError):
    """The record cannot be reopened (or not by this command); nothing was written."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


def _original(config: RepoConfig, rid: str) -> dict[str, Any]:
    from generator.load.yamlload import load_yaml_file

    path = config.records_path / f"{rid}{RECORD_SUFFIX}"
    display = f"{config.records_dir}/{rid}{RECORD_SUFFIX}"
    if not path.is_file():
        raise ReopenError(
            f"{config.records_dir}/ 中没有记录 {rid}", f"no record {rid} in {display}"
        )
    loaded = load_yaml_file(path, display)
    data = loaded.data
    if not isinstance(data, dict) or loaded.diagnostics:
        raise ReopenError(
            f"{display} 无法读取：请先运行 kesu validate 修正",
            f"{display} cannot be read: run kesu validate and fix it first",
        )
    if data.get("status") != "closed":
        status = data.get("status")
        raise ReopenError(
            f"{rid} 未结案（状态 {status}）：只重开已结案的记录，未结案的直接修改该记录",
            f"{rid} is not closed (status {status}): only a closed record is reopened; edit an "
            "open one directly",
        )
    return data


def render_reopening(
    rid: str,
    original: dict[str, Any],
    reason: str,
    received_at: datetime,
    schema: str,
    title: str | None = None,
    description: str | None = None,
) -> str:
    """The ``<id>-N`` file: ``reopen_of``, the reason, a link back and the inherited fields."""
    import yaml

    parent = str(original["id"])
    inherited = {k: original[k] for k in INHERITED if original.get(k) is not None}
    head = {"title": title or f"重开：{original.get('title', parent)}"}
    body = {
        "status": "registered",
        "reopen_of": parent,
        "reopen_reason": reason,
        **{k: v for k, v in inherited.items() if k not in ("origin", "category", "channel")},
        "description": description or reason,
        "links": [
            {"id": parent, "relation": "related", "note": f"重开 {parent} / reopens {parent}"}
        ],
    }
    intake: dict[str, Any] = {
        k: inherited[k] for k in ("origin", "category", "channel") if k in inherited
    }

    def dump(data: dict[str, Any]) -> str:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)

    return (
        f"# yaml-language-server: $schema={schema}\n"
        f"id: {rid}\n"
        + dump(head)
        + dump(intake)
        + f'received_at: "{received_at:%Y-%m-%d %H:%M}"\n'
        + dump(body)
        + f"# 重开自 {parent}：沿用其受理信息与责任人；分析、措施、审批与结案重新进行。\n"
        f"# Reopens {parent}: its intake facts and owners are kept; analysis, actions, "
        "approvals and closure start again.\n"
    )


def create_reopening(
    config: RepoConfig,
    original_id: str,
    reason: str,
    received_at: datetime,
    base: str | None = None,
    *,
    title: str | None = None,
    description: str | None = None,
) -> Created:
    """Write ``records/<original>-N.yaml`` reopening ``original_id`` (a closed record); the
    number is the policy's next free suffix on the base branch and in the working tree."""
    from generator.compute.records import next_reopen_id
    from generator.policy.loader import load_policy

    original = _original(config, original_id)
    policy, _ = load_policy(config)
    if policy is None:
        raise ReopenError(
            "策略无法加载：请先运行 kesu validate", "the policy cannot be loaded: run kesu validate"
        )
    taken, used = taken_ids(config, base)
    rid = next_reopen_id(policy, original_id, taken)
    if rid is None:
        raise ReopenError(
            "本策略把重开登记为新编号（reopen.numbering: new_id）："
            "请用 kesu new 新建，并写 reopen_of",
            "this policy numbers reopenings as new records (reopen.numbering: new_id): use kesu "
            "new and add reopen_of",
        )
    local = received_at.astimezone(config.tz)
    path = config.records_path / f"{rid}{RECORD_SUFFIX}"
    text = render_reopening(rid, original, reason, local, schema_ref(config), title, description)
    problems = _schema_problems(text, f"{config.records_dir}/{rid}{RECORD_SUFFIX}")
    if problems:
        raise InvalidFields(problems)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    return Created(rid, path, used)
