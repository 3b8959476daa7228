"""Commands around Git and GitHub: ``check``, ``new``, ``init``, ``verify-approvals``,
``notify``. Each only parses options, calls its module and prints through the reporters."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from generator.cli.options import (
    EXIT_INVALID,
    EXIT_OK,
    Command,
    Help,
    UsageError,
    add_as_of,
    add_format,
    parse_as_of,
)
from generator.config.settings import RepoConfig
from generator.forge import FORGES
from generator.load.cache import Caches
from generator.render.reporters import REPORTERS, github_notice, render_text


def _as_of(args: argparse.Namespace, config: RepoConfig) -> datetime:
    return parse_as_of(getattr(args, "as_of", None), config)  # raises a bilingual UsageError


def _print_notes(notes: list[str], fmt: str, title: str) -> None:
    for note in notes:
        if fmt == "github":
            sys.stdout.write(github_notice(title, note) + "\n")
        elif fmt == "text":
            sys.stdout.write(f"{note}\n")


# ------------------------------------------------------------------ kesu check


def _setup_check(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "check",
        help=Help(
            "检查记录，并检查相对基准版本的改动（合并请求）",
            "validate, and check the change against a base revision (pull requests)",
        ),
        description=Help(
            "`kesu validate` 报告的全部内容，再加上相对 --base 的改动规则：记录永不删除或改名；"
            "编号、接收时间和客户在第一次合并后固定（经批准的更正除外）；已结案的记录只能通过"
            "重开改变；状态按策略允许的方式推进；期限推迟须有延期；审批、延期与更正只能追加；"
            "不能有将来的日期；合并结果中编号唯一。列出本次改动需要的审批。以 0 退出表示全部"
            "通过，1 表示发现问题，2 表示用法错误（未知的引用、不是 Git 仓库）。",
            "Everything `kesu validate` reports, plus rules on the change against "
            "--base: records never deleted or renamed; id, received time and customer fixed "
            "after the first merge (but for an approved correction); closed records change "
            "only by reopening; status moves the policy allows; later due dates need an "
            "extension; approvals, extensions and corrections append-only; no future dates; "
            "ids unique on the merge result. Lists the approvals the change needs. Exit 0 all "
            "good, 1 problems found, 2 usage error (unknown ref, not a Git repository).",
        ),
    )
    p.add_argument(
        "--base",
        required=True,
        metavar="REF",
        help=Help(
            "基准版本，其规则与人员评判本次改动，如 origin/main",
            "the base revision, whose rules and people judge the change, e.g. origin/main",
        ),
    )
    add_format(p)
    add_as_of(p)
    p.add_argument(
        "--summary",
        type=Path,
        metavar="FILE",
        help=Help(
            "把 Markdown 摘要追加到此文件（默认：设置了 $GITHUB_STEP_SUMMARY 时写到那里）",
            "append a Markdown summary here (default: $GITHUB_STEP_SUMMARY when set)",
        ),
    )


def cmd_check(args: argparse.Namespace, config: RepoConfig, lang: str) -> int:
    from generator.change.check import (
        corrected_json,
        corrected_lines,
        moved_json,
        moved_lines,
        needs_json,
        rule_files_json,
        run_check,
        summary_markdown,
    )
    from generator.common.diagnostics import ChangeError
    from generator.render.recurrence import as_json

    caches = Caches.open(config.root)
    try:
        result = run_check(config, args.base, _as_of(args, config), args.preset, caches)
    except ChangeError as exc:
        raise UsageError(exc.message(lang)) from exc
    caches.save()
    out = REPORTERS[args.format](result.diagnostics, result.files_checked, lang)
    if args.format == "json":
        doc: dict[str, Any] = json.loads(out)
        doc.update(
            base=result.base,
            base_commit=result.base_commit,
            changed=result.changed,
            approvals_needed=needs_json(result),
            rule_files=rule_files_json(result),
            moved_by_rules=moved_json(result),
            moved_by_corrections=corrected_json(result),
            recurrence_suggestions=[as_json(s) for s in result.suggestions],
        )
        out = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    else:
        head = "Approvals this change needs:" if lang == "en" else "本次改动需要的审批："
        notes = [n.text(lang) for n in result.needs]
        _print_notes([head, *(f"  - {n}" for n in notes)] if notes else [], args.format, "kesu")
        _print_notes(moved_lines(result, lang), args.format, "kesu rules")
        _print_notes(corrected_lines(result, lang), args.format, "kesu corrections")
    sys.stdout.write(out)
    summary = args.summary or os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        from generator.common.faults import writing

        with writing(Path(summary)), Path(summary).open("a", encoding="utf-8") as fh:
            fh.write(summary_markdown(result, lang))
    return EXIT_OK if result.ok else EXIT_INVALID


# ------------------------------------------------------------------ kesu new


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


_NEW_TEXT = {
    "title": "title (customer, product, symptom, one line)",
    "customer": "the customer's company",
    "product": "the product's name",
    "description": "the problem, in the customer's words where possible",
}
_NEW_CHOICES_EN = {
    "origin": "origin: external (raised by the customer) or internal (by the company itself)",
    "category": "type: quality, delivery, service or other",
    "channel": "channel: phone, email, written (report / 8D), platform (the customer's), "
    "onsite, meeting or other",
}


def _setup_new(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from generator.change.newrecord import CHOICES, PROMPTS

    prompts = dict(PROMPTS)  # the terminal's questions are the options' help
    p = sub.add_parser(
        "new",
        help=Help("以下一个空闲编号新建记录", "create a record with the next free id"),
        description=Help(
            "新建 records/<下一个编号>.yaml：编号接在基准分支（默认 origin/HEAD、origin/main，"
            "否则 HEAD）与工作区中最大的编号之后；在终端中逐项询问各字段，包括接收时间（默认"
            "现在，按配置的时区）；不在终端时用选项给出。从不覆盖已有文件。",
            "Create records/<next id>.yaml: the number follows the highest on the base "
            "branch (default origin/HEAD, origin/main, else HEAD) and in the working tree; "
            "received_at is asked in a terminal (default now, in the configured zone). Asks "
            "for the fields in a terminal; otherwise give them as options. Never overwrites a "
            "file.",
        ),
    )
    for name, en in _NEW_TEXT.items():
        p.add_argument(f"--{name}", metavar="TEXT", help=Help(prompts[name], en))
    for name, options in CHOICES.items():
        p.add_argument(
            f"--{name}",
            choices=[c for c, _ in options],
            help=Help(
                f"{prompts[name]}：" + "、".join(f"{c} {zh}" for c, zh in options),
                _NEW_CHOICES_EN[name],
            ),
        )
    p.add_argument(
        "--received-at",
        metavar="TIME",
        help=Help(
            '接收时间，如 "2026-11-02 14:30"（默认：现在）',
            'the receipt time, e.g. "2026-11-02 14:30" (default: now)',
        ),
    )
    p.add_argument(
        "--base",
        metavar="REF",
        help=Help("从哪个版本读取已占用的编号", "where to read taken ids from"),
    )
    p.add_argument(
        "--reopen",
        metavar="ID",
        help=Help(
            "重开这条已结案的记录：新建 ID-N（下一个空闲的 N），带 reopen_of、回指原记录的"
            "链接，以及原记录的登记字段、客户、产品、问题键和责任人",
            "reopen this closed record: create ID-N (the next free N) with reopen_of, a link "
            "back and the original's intake fields, customer, product, problem key and owners",
        ),
    )
    p.add_argument(
        "--reason",
        metavar="TEXT",
        help=Help("重开的理由（与 --reopen 一起用）", "why it is reopened (with --reopen)"),
    )


@contextmanager
def _refusals(lang: str) -> Iterator[None]:
    """What ``kesu new`` (and ``--reopen``) refuses, as usage errors: no record is written."""
    from generator.change.newrecord import InvalidFields, ReopenError
    from generator.common.diagnostics import ChangeError

    try:
        yield
    except (ChangeError, ReopenError) as exc:
        raise UsageError(exc.message(lang)) from exc
    except InvalidFields as exc:
        lines = render_text(exc.diagnostics, 0, lang).splitlines()[:-1]  # no "checked" summary
        sys.stderr.write("\n".join(lines) + "\n")
        raise UsageError(
            "记录未创建：请修正上述字段", "no record created: fix the fields above"
        ) from exc
    except FileExistsError as exc:
        raise UsageError(
            f"{exc.filename} exists; nothing was overwritten"
            if lang == "en"
            else f"{exc.filename} 已存在，未覆盖任何文件"
        ) from exc


def _received_parser(config: RepoConfig) -> Callable[[str], datetime]:
    from generator.time.parse import parse_instant

    def parse(text: str) -> datetime:
        try:
            return parse_instant(text, config.tz)
        except ValueError:
            raise ValueError(
                f"看不懂的时间：{text!r}。请写 YYYY-MM-DD HH:MM，如 2026-11-02 14:30。"
            ) from None

    return parse


def cmd_new(args: argparse.Namespace, config: RepoConfig, lang: str) -> int:
    from generator.change.newrecord import (
        NewFields,
        ask_fields,
        ask_received,
        create,
        missing_flags,
    )

    if args.reopen:
        return _reopen(args, config, lang)
    keys = ("title", "customer", "product", "origin", "category", "channel", "description")
    given: dict[str, str | None] = {k: getattr(args, k) for k in keys}
    if sys.stdin.isatty():
        given.update(ask_fields(given, input, _say))
    elif missing := missing_flags(given):
        raise UsageError(
            ("missing " if lang == "en" else "缺少 ")
            + " ".join(missing)
            + (" (not a terminal, so nothing is asked)" if lang == "en" else "（非终端，不会提问）")
        )
    fields = NewFields(**{k: v for k, v in given.items() if v})
    received = _as_of(argparse.Namespace(as_of=args.received_at), config)
    if args.received_at is None and sys.stdin.isatty():
        received = ask_received(received, _received_parser(config), input, _say)
    with _refusals(lang):
        made = create(config, fields, received, args.base)
    rel = made.path.relative_to(config.root).as_posix()
    if lang == "en":
        src = f"{made.base} and the working tree" if made.base else "the working tree (no commit)"
        sys.stdout.write(
            f"Created {rel} (id {made.id}, the next after {src}).\n"
            "If a parallel pull request takes the same id first, kesu check says how to "
            "renumber.\n"
        )
    else:
        src = (
            f" {made.base} 与工作区的最大编号之后"
            if made.base
            else "工作区的最大编号之后，尚无提交"
        )
        sys.stdout.write(
            f"已创建 {rel}（编号 {made.id}，接在{src}）。\n"
            "若并行的合并请求先用了同一编号，kesu check 会提示如何改号。\n"
        )
    _new_suggestions(config, rel, received, lang)
    return EXIT_OK


def _new_suggestions(config: RepoConfig, rel: str, as_of: datetime, lang: str) -> None:
    """Earlier records that are probably the same problem as the new one (never a grade)."""
    from generator.pipeline import analyse
    from generator.render.recurrence import for_records, hint, message

    caches = Caches.open(config.root)
    found = for_records(analyse(config, as_of, deadlines=False, caches=caches), [rel])
    caches.save()
    for s in found:
        sys.stdout.write(f"{'note' if lang == 'en' else '提示'}: {message(s, lang)}\n")
        sys.stdout.write(f"  {hint(s, lang)}\n")


def _reopen(args: argparse.Namespace, config: RepoConfig, lang: str) -> int:
    from generator.change.newrecord import create_reopening

    reason = args.reason
    while not reason and sys.stdin.isatty():
        reason = input("重开原因（客户不满意 / 问题再发 …）: ").strip()
    if not reason:
        raise UsageError(
            "--reopen 需要 --reason（非终端，不会提问）",
            "--reopen needs --reason (not a terminal, so nothing is asked)",
        )
    received = _as_of(argparse.Namespace(as_of=args.received_at), config)
    with _refusals(lang):
        made = create_reopening(
            config,
            args.reopen,
            reason,
            received,
            args.base,
            title=args.title,
            description=args.description,
        )
    rel = made.path.relative_to(config.root).as_posix()
    sys.stdout.write(
        f"Created {rel} reopening {args.reopen} (reopen_of, a link back, and its intake "
        "fields, customer, product, problem key and owners). Fill in the analysis again.\n"
        if lang == "en"
        else f"已创建 {rel}，重开 {args.reopen}（写入 reopen_of、反向关联，沿用其受理信息、"
        "客户、产品、问题键与责任人）。请重新填写分析。\n"
    )
    return EXIT_OK


# ------------------------------------------------------------------ kesu init


def _setup_init(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "init",
        help=Help(
            "以本仓库为模板建立公司自己的记录仓库",
            "start a company's own records repository from this one",
        ),
        description=Help(
            "把 schema、网站、工作流、CODEOWNERS 和模板复制到 DIR（须不存在或为空），不含演示"
            "记录；在 requirements/kesu.txt 中固定 Kesu 的版本（默认：本克隆的 origin 及当前"
            "提交）；按所选策略预设写出 kesu.yaml；运行 git init。",
            "Copy schemas, site, workflows, CODEOWNERS and templates into DIR "
            "(which must not exist or be empty), without the demo records; pin Kesu in "
            "requirements/kesu.txt (default: this clone's origin at its current commit); write "
            "kesu.yaml for the chosen policy preset; git init.",
        ),
    )
    p.add_argument(
        "dir",
        type=Path,
        metavar="DIR",
        help=Help("新仓库的文件夹（须不存在或为空）", "the new repository's folder (new or empty)"),
    )
    p.add_argument(
        "--preset",
        default="000",
        help=Help("策略预设编号（默认 000）", "policy preset id (default 000)"),
    )
    p.add_argument(
        "--id-prefix",
        default="KS",
        help=Help("记录编号前缀（默认 KS）", "record id prefix (default KS)"),
    )
    p.add_argument(
        "--title",
        default="客诉与8D",
        help=Help("网站标题（默认 客诉与8D）", "site title (default 客诉与8D)"),
    )
    p.add_argument(
        "--no-git", action="store_true", help=Help("不运行 git init", "do not run git init")
    )
    p.add_argument(
        "--kesu-spec",
        metavar="REQUIREMENT",
        help=Help(
            "新仓库安装的 Kesu，如 'kesu==0.2.0' 或 "
            "'kesu @ git+https://git.example.com/tools/kesu@v0.2.0'（默认：本克隆的 origin "
            "远程及当前提交）",
            "the Kesu the new repository installs, e.g. 'kesu==0.2.0' or "
            "'kesu @ git+https://git.example.com/tools/kesu@v0.2.0' (default: this clone's "
            "origin remote at its current commit)",
        ),
    )
    p.add_argument(
        "--forge",
        choices=FORGES,
        default="github",
        help=Help(
            "写哪家的 CI：github（.github/workflows）、gitlab（.gitlab-ci.yml）或 gitea"
            "（.gitea/workflows，Forgejo 也用它）；默认 github",
            "whose CI to write: github (.github/workflows), gitlab (.gitlab-ci.yml) or gitea "
            "(.gitea/workflows, also for Forgejo); default github",
        ),
    )


def cmd_init(args: argparse.Namespace, config: RepoConfig, lang: str) -> int:
    from generator.cli.initrepo import InitError, next_steps, start

    try:
        started = start(
            args.dir,
            args.preset,
            id_prefix=args.id_prefix,
            title=args.title,
            with_git=not args.no_git,
            kesu_spec=args.kesu_spec,
            forge=args.forge,
        )
    except InitError as exc:
        raise UsageError(exc.message(lang)) from exc
    sys.stdout.write(next_steps(started, lang))
    return EXIT_OK


# ------------------------------------------------------------------ kesu verify-approvals


def _setup_verify(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "verify-approvals",
        help=Help(
            "核对合并请求新增的审批与其上的评审（GitHub API）",
            "match approvals a pull request adds with reviews on it (GitHub API)",
        ),
        description=Help(
            "本次改动给记录新增的每条审批、在 rule-changes.yaml 中追加的每一条，都必须对应合并"
            "请求最新提交上、由所写之人给出的 Approve 评审（decision: rejected 对应 Request "
            "changes），其角色与 GitHub 账号以基准版本的 kesu.yaml 为准（people、records_dir "
            "和策略都从 --base 读取，从不取自改动本身）。读取 GitHub Actions 设置的 "
            "GITHUB_TOKEN、GITHUB_REPOSITORY、GITHUB_API_URL、GITHUB_EVENT_PATH 与 "
            "GITHUB_BASE_REF。以 0 退出表示已核对（或无需核对），1 表示未通过，2 表示用法或 "
            "API 错误。",
            "Every approval entry this change adds to a record, and every entry it "
            "appends to rule-changes.yaml, must match an approving review (or a change "
            "request, for decision: rejected) on the pull request's latest commit by the "
            "person named, with the role and GitHub login the BASE revision's kesu.yaml gives "
            "(people, records_dir and policy are read from --base, never from the change). "
            "Reads GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_EVENT_PATH and "
            "GITHUB_BASE_REF as set in GitHub Actions. Exit 0 verified (or nothing to "
            "verify), 1 not verified, 2 usage or API error.",
        ),
    )
    p.add_argument(
        "--base",
        metavar="REF",
        help=Help(
            "由哪个版本的规则与人员评判改动（默认：origin/<合并请求的目标分支>，取自 "
            "GITHUB_EVENT_PATH 或 $GITHUB_BASE_REF）",
            "whose rules and people judge the change (default: origin/<the pull request's "
            "base branch> from GITHUB_EVENT_PATH or $GITHUB_BASE_REF)",
        ),
    )
    p.add_argument(
        "--forge",
        choices=FORGES,
        help=Help(
            "合并请求所在的平台（默认：GitLab CI 中为 gitlab，Gitea 或 Forgejo Actions 中为 "
            "gitea，否则 github）。gitlab 读取 CI_API_V4_URL、CI_PROJECT_ID、"
            "CI_MERGE_REQUEST_IID、CI_MERGE_REQUEST_TARGET_BRANCH_NAME 及 KESU_GITLAB_TOKEN "
            "中的令牌；gitea 读取 Gitea Actions 设置的 GITHUB_* 变量及 GITEA_TOKEN 或 "
            "GITHUB_TOKEN",
            "where the pull request lives (default: gitlab in GitLab CI, gitea in Gitea or "
            "Forgejo Actions, else github). gitlab reads CI_API_V4_URL, CI_PROJECT_ID, "
            "CI_MERGE_REQUEST_IID, CI_MERGE_REQUEST_TARGET_BRANCH_NAME and the token in "
            "KESU_GITLAB_TOKEN; gitea reads the GITHUB_* variables Gitea Actions sets and "
            "GITEA_TOKEN or GITHUB_TOKEN",
        ),
    )
    p.add_argument(
        "--pr",
        type=int,
        metavar="N",
        help=Help(
            "合并请求编号（默认：取自 GITHUB_EVENT_PATH）",
            "the pull request's number (default: from GITHUB_EVENT_PATH)",
        ),
    )
    p.add_argument(
        "--repository",
        metavar="OWNER/NAME",
        help=Help(
            "仓库（默认：$GITHUB_REPOSITORY）", "the repository (default: $GITHUB_REPOSITORY)"
        ),
    )
    p.add_argument(
        "--api-url",
        metavar="URL",
        help=Help(
            "API 地址（默认：$GITHUB_API_URL 或 api.github.com）",
            "the API's address (default: $GITHUB_API_URL or api.github.com)",
        ),
    )
    add_format(p)


def _forge(args: argparse.Namespace) -> str:
    if args.forge:
        return str(args.forge)
    if os.environ.get("GITLAB_CI") == "true":
        return "gitlab"
    if os.environ.get("GITEA_ACTIONS") == "true" or os.environ.get("FORGEJO_ACTIONS") == "true":
        return "gitea"
    return "github"


def _target(forge: str, args: argparse.Namespace) -> tuple[int | None, str | None, str | None, str]:
    """(pull request number, repository, token, API URL) from the options and the CI's
    variables."""
    env = os.environ
    if forge == "gitlab":
        iid = env.get("CI_MERGE_REQUEST_IID", "")
        return (
            args.pr or (int(iid) if iid.isdigit() else None),
            args.repository or env.get("CI_PROJECT_ID"),
            env.get("KESU_GITLAB_TOKEN") or env.get("GITLAB_TOKEN"),
            args.api_url or env.get("CI_API_V4_URL") or "",
        )
    number = args.pr or _event_pr()
    repository = args.repository or env.get("GITHUB_REPOSITORY")
    if forge == "gitea":
        server = env.get("GITHUB_SERVER_URL", "").rstrip("/")
        api = args.api_url or env.get("GITHUB_API_URL") or (f"{server}/api/v1" if server else "")
        token = env.get("GITEA_TOKEN") or env.get("GITHUB_TOKEN")
        return number, repository, token, api
    api = args.api_url or env.get("GITHUB_API_URL") or "https://api.github.com"
    return number, repository, env.get("GITHUB_TOKEN") or env.get("GH_TOKEN"), api


_NEEDS = {
    "github": (
        "需要 --pr、--repository 与环境变量 GITHUB_TOKEN（GitHub Actions 中自动提供）",
        "needs --pr, --repository and GITHUB_TOKEN (set automatically in GitHub Actions)",
    ),
    "gitlab": (
        "需要 --pr、--repository、--api-url（GitLab CI 的合并请求流水线中自动取 "
        "CI_MERGE_REQUEST_IID、CI_PROJECT_ID、CI_API_V4_URL）与环境变量 KESU_GITLAB_TOKEN"
        "（有 read_api 权限的项目访问令牌，设为隐藏的 CI/CD 变量）",
        "needs --pr, --repository, --api-url (in a GitLab merge request pipeline: "
        "CI_MERGE_REQUEST_IID, CI_PROJECT_ID, CI_API_V4_URL) and KESU_GITLAB_TOKEN (a project "
        "access token with read_api, as a masked CI/CD variable)",
    ),
    "gitea": (
        "需要 --pr、--repository、--api-url 与环境变量 GITEA_TOKEN 或 GITHUB_TOKEN"
        "（Gitea / Forgejo Actions 中自动提供）",
        "needs --pr, --repository, --api-url and GITEA_TOKEN or GITHUB_TOKEN (set "
        "automatically in Gitea / Forgejo Actions)",
    ),
}


def _event() -> dict[str, Any]:
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    pull = event.get("pull_request") if isinstance(event, dict) else None
    return pull if isinstance(pull, dict) else {}


def _event_pr() -> int | None:
    number = _event().get("number")
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def _event_base() -> str | None:
    """``origin/<base branch>`` of the pull request the workflow runs for."""
    base = _event().get("base")
    ref = base.get("ref") if isinstance(base, dict) else None
    ref = ref if isinstance(ref, str) and ref else os.environ.get("GITHUB_BASE_REF")
    return f"origin/{ref}" if ref else None


def cmd_verify_approvals(args: argparse.Namespace, config: RepoConfig, lang: str) -> int:
    from generator.change.base import compare, read_base
    from generator.change.check import judge_config
    from generator.change.reviews import (
        ReviewsError,
        claims_added,
        fetch_pull,
        register_claims,
        skipped_notes,
        verify,
    )
    from generator.change.rulefiles import REGISTER, read_register
    from generator.common.diagnostics import ChangeError
    from generator.config.rulesource import WorkTreeRules
    from generator.load.discover import discover

    forge = _forge(args)
    target = os.environ.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME") if forge == "gitlab" else None
    base = args.base or (f"origin/{target}" if target else _event_base())
    if not base:
        raise UsageError(
            "需要 --base（如 origin/main）；在 GitHub Actions 的 pull_request 事件中默认取 PR 的"
            "基准分支",
            "needs --base (e.g. origin/main); in a GitHub Actions pull_request run it defaults "
            "to the pull request's base branch",
        )
    try:
        # The judge: people, roles, records_dir and policy as the base holds them.
        judge, judge_diags = judge_config(config, base, args.preset)
        if judge_diags:
            sys.stderr.write(render_text(judge_diags, 0, lang))
            raise UsageError(
                f"基准版本 {base} 的 kesu.yaml 无法读取，无法核对审批",
                f"the kesu.yaml of the base {base} does not load; approvals cannot be verified",
            )
        snapshot = read_base(config.root, judge.records_dir, base)
        base_register = judge.rule_source.read(REGISTER)
    except ChangeError as exc:
        raise UsageError(exc.message(lang)) from exc
    files, _ = discover([judge.records_path], config.root)
    changes, _ = compare(snapshot, files, config.root)
    register = read_register(base_register, WorkTreeRules(config.root).read(REGISTER), base)
    claims = [c for ch in changes for c in claims_added(ch.new, ch.old)]
    claims += register_claims(register)
    if not claims:
        if register.diagnostics:  # a malformed register entry: there is nothing to ask about
            sys.stdout.write(REPORTERS[args.format](list(register.diagnostics), 0, lang))
            return EXIT_INVALID
        sys.stdout.write(
            "No approvals added; nothing to verify.\n"
            if lang == "en"
            else "本次改动没有新增审批，无需核对。\n"
        )
        return EXIT_OK
    number, repository, token, api = _target(forge, args)
    if not (number and repository and token and api):
        raise UsageError(*_NEEDS[forge])
    try:
        if forge == "gitlab":
            from generator.forge.gitlab import fetch_merge_request

            pull = fetch_merge_request(api, repository, number, token)
        elif forge == "gitea":
            from generator.forge.gitea import fetch_pull as fetch_gitea

            pull = fetch_gitea(api, repository, number, token)
        else:
            pull = fetch_pull(api, repository, number, token)
    except ReviewsError as exc:
        raise UsageError(exc.message(lang)) from exc
    diags, proven = verify(claims, pull, judge.people, forge)
    diags = [*register.diagnostics, *diags]
    _print_notes([*skipped_notes(pull, lang), *proven], args.format, "kesu approvals")
    checked = len({c.file.display for c in claims})
    sys.stdout.write(REPORTERS[args.format](diags, checked, lang))
    return EXIT_INVALID if any(d.severity == "error" for d in diags) else EXIT_OK


# ------------------------------------------------------------------ kesu notify


def _setup_notify(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from generator.net.notify import KINDS, SECRET_ENV, URL_ENV

    p = sub.add_parser(
        "notify",
        help=Help(
            "把逾期与停滞清单发到企业微信 / 钉钉 / 飞书机器人（默认关闭）",
            "post the overdue and stalled lists to a WeCom / DingTalk / Feishu robot "
            "(off by default)",
        ),
        description=Help(
            f"仅当 kesu.yaml 设置 notifications.enabled: true 时发送。机器人地址取自 ${URL_ENV}"
            f"（CI 机密），可选的签名密钥取自 ${SECRET_ENV}。没有逾期或停滞的记录时不发送。",
            f"Only when kesu.yaml sets notifications.enabled: true. The robot's URL "
            f"comes from ${URL_ENV} (a CI secret), an optional signing secret from "
            f"${SECRET_ENV}. Nothing is sent when nothing is overdue or stalled.",
        ),
    )
    p.add_argument(
        "--kind",
        choices=KINDS,
        help=Help(
            "机器人种类（默认：kesu.yaml 的 notifications.kind）",
            "the robot's kind (default: notifications.kind in kesu.yaml)",
        ),
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help=Help("只打印消息正文，不发送", "print the message body, send nothing"),
    )
    p.add_argument(
        "--site-url",
        metavar="URL",
        help=Help(
            "消息中的链接（默认：本次 CI 运行）", "link in the message (default: the CI run)"
        ),
    )
    add_as_of(p)


def _overdue(
    config: RepoConfig, as_of: datetime, lang: str
) -> tuple[list[Any], int | None, list[Any]]:
    """The overdue items, the year whose official calendar is missing (if one is), and the
    stalled records (``compute.stalled``)."""
    from generator.compute.stalled import StallInput, find_stalled, last_change
    from generator.config.calendars import missing_year
    from generator.net.notify import OverdueItem, StalledItem
    from generator.pipeline import analyse
    from generator.render.history import record_histories
    from generator.render.labels import enum_label

    caches = Caches.open(config.root)
    analysis = analyse(config, as_of, caches=caches)
    caches.save()
    calendar = analysis.calendar
    missing = missing_year(calendar.official, as_of) if calendar is not None else None
    by_id = analysis.validation.records.by_id
    items = []
    stall: list[StallInput] = []
    history = record_histories(config.root, config.records_dir)
    for rid, computed in analysis.computed.items():
        record = by_id.get(rid)
        title = str(record.get("title")) if record else rid
        owner = record.get("responsibility.owner") if record else None
        for m in computed.milestones:
            if m.state == "overdue" and m.due_at is not None:
                name = m.name_en if lang == "en" else m.name_zh
                items.append(OverdueItem(rid, title, name, m.due_at, owner))
        status = str(record.get("status")) if record else ""
        if record is None or status in ("closed", "cancelled") or computed.cancelled:
            continue
        has_due = any(
            m.state in ("pending", "due_soon", "overdue") and m.due_at is not None
            for m in computed.milestones
        )
        commits = (rev.date for rev in history.get(rid, ()))
        stall.append(
            StallInput(rid, status, has_due, last_change(record.data, commits, as_of, config.tz))
        )
    stalled = [
        StalledItem(
            s.record_id,
            str(by_id[s.record_id].get("title")),
            enum_label("status", s.status, lang),
            s.days,
            by_id[s.record_id].get("responsibility.owner"),
        )
        for s in find_stalled(stall, as_of, config.stalled_days, config.stalled_days_by_status)
    ]
    return items, missing, stalled


def _run_url() -> str:
    env = os.environ
    if env.get("CI_PIPELINE_URL"):  # GitLab CI
        return env["CI_PIPELINE_URL"]
    parts = [env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")]
    return f"{parts[0]}/{parts[1]}/actions/runs/{parts[2]}" if all(parts) else ""


def cmd_notify(args: argparse.Namespace, config: RepoConfig, lang: str) -> int:
    from generator.net.notify import URL_ENV, NotifyError, build_request, link_target, message, post

    if not config.notifications_enabled and not args.dry_run:
        sys.stdout.write(
            "Notifications are off (kesu.yaml notifications.enabled).\n"
            if lang == "en"
            else "通知未启用（kesu.yaml 的 notifications.enabled），不发送。\n"
        )
        return EXIT_OK
    kind = args.kind or config.notifications_kind
    if not kind:
        raise UsageError(
            "set notifications.kind in kesu.yaml or --kind"
            if lang == "en"
            else "请在 kesu.yaml 设置 notifications.kind，或用 --kind"
        )
    as_of = _as_of(args, config)
    items, missing, stalled = _overdue(config, as_of, lang)
    if not items and missing is None and not stalled:
        sys.stdout.write(
            "Nothing is overdue or stalled.\n" if lang == "en" else "没有逾期或停滞项目，不发送。\n"
        )
        return EXIT_OK
    if args.site_url and link_target(args.site_url) is None:
        raise UsageError(
            f"--site-url 须为 http(s) 地址：{args.site_url!r}",
            f"--site-url must be an http(s) URL: {args.site_url!r}",
        )
    text = message(items, as_of, lang, args.site_url or _run_url(), kind, missing, stalled)
    title = "Overdue complaints" if lang == "en" else "逾期客诉"
    url = os.environ.get(URL_ENV, "")
    try:
        target, body = build_request(
            kind,
            url or "https://example.invalid/",
            text,
            title,
            os.environ.get("KESU_WEBHOOK_SECRET", ""),
            as_of,
        )
        if args.dry_run:
            sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
            return EXIT_OK
        if not url:
            raise UsageError(
                f"${URL_ENV} is empty: add the repository secret"
                if lang == "en"
                else f"${URL_ENV} 为空：请添加仓库密钥（secret）"
            )
        post(target, body)
    except NotifyError as exc:
        raise UsageError(exc.message(lang)) from exc
    sys.stdout.write(
        f"Posted {len(items)} overdue item(s) and {len(stalled)} stalled record(s).\n"
        if lang == "en"
        else f"已发送 {len(items)} 个逾期项目、{len(stalled)} 条停滞记录。\n"
    )
    return EXIT_OK


COMMANDS = (
    Command("check", _setup_check, cmd_check),
    Command("new", _setup_new, cmd_new),
    Command("init", _setup_init, cmd_init),
    Command("verify-approvals", _setup_verify, cmd_verify_approvals),
    Command("notify", _setup_notify, cmd_notify),
)
