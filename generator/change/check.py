"""``kesu check --base REF``: everything ``kesu validate`` reports, plus rules on the change.

The base revision's records are listed once through Git (``changes``); each record the branch
added or changed is compared with its base version (``changerules``); the policy decides which
status moves are allowed and which approvals a stage needs (``policy``/``compute``). Deadlines
at the base version are computed for the changed records from the records they depend on only
(``checkscope``), so the check costs about what validation costs. The result is
data; the CLI prints it through the shared reporters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from generator.change.base import BaseSnapshot, RecordChange, compare_worktree, read_base, worktree
from generator.change.effects import Corrected, Moved, moved
from generator.change.newrecord import next_id
from generator.change.rulefiles import RuleFile
from generator.change.rules import (
    IMMUTABLE,
    approved_corrections,
    check_closed,
    check_extensions,
    check_future,
    check_history,
    check_immutable,
    check_late_entries,
    check_new,
    check_transition,
    with_corrections,
)
from generator.common.diagnostics import Diagnostic, Severity
from generator.common.ids import same_key
from generator.common.model import Record
from generator.config.settings import RepoConfig
from generator.load.cache import Caches
from generator.load.discover import RECORD_SUFFIX
from generator.policy.types import LIFECYCLE, ChangeControl
from generator.validate.crosscheck import Emitter

if TYPE_CHECKING:
    from generator.compute.records import Computed
    from generator.compute.recurrence import Suggestion
    from generator.pipeline import Analysis
    from generator.policy.loader import Policy

SUMMARY_ROWS = 300
"""GitHub caps a job summary at 1 MiB; the annotations and the log keep every problem."""
_VERB = {"closed": ("关闭", "closing"), "cancelled": ("取消", "cancelling")}


@dataclass(frozen=True, slots=True)
class ApprovalNeed:
    """An approval the policy requires for the status this change gives a record."""

    rid: str
    file: str
    status: str
    role: str
    role_zh: str
    role_en: str
    subject: str
    decision: str | None
    by: str | None
    at: str | None

    def text(self, lang: str) -> str:
        zh_verb, en_verb = _VERB.get(
            self.status, (f"推进到 {self.status}", f"moving to {self.status}")
        )
        if lang == "en":
            state = (
                f"recorded: {self.decision} by {self.by} on {self.at}"
                if self.decision
                else "not recorded yet"
            )
            return (
                f"{en_verb} {self.rid} needs {self.role} approval ({self.role_en}, "
                f"{self.subject}) — {state}"
            )
        state = f"已记录：{self.by} {self.at} {self.decision}" if self.decision else "尚未记录"
        who = f"{self.role_zh} ({self.role})"
        return f"{zh_verb} {self.rid} 需要 {who} 审批（{self.subject}）— {state}"


@dataclass(frozen=True, slots=True)
class Resend:
    record: str
    fields: tuple[str, ...]
    """Top-level fields whose customer-visible content changed."""
    last_sent: tuple[str, str, str]
    """The latest ``sent`` entry: (date, to, revision)."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    diagnostics: tuple[Diagnostic, ...]
    files_checked: int
    base: str
    base_commit: str
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    needs: tuple[ApprovalNeed, ...] = ()
    rule_files: tuple[RuleFile, ...] = ()
    """Rule files the change edits (``rulechanges``)."""
    moved: tuple[Moved, ...] = ()
    """Grades and dues of existing records that the proposed rules move."""
    not_evaluated: tuple[str, ...] = ()
    """Changed rule files whose effect the gate does not compute (code: never run)."""
    suggestions: tuple[Suggestion, ...] = ()
    """Earlier records that are probably the same problem as a changed record under another
    problem key (``recurrence``): warnings, never grade changes."""
    resend: tuple[Resend, ...] = ()
    """Records whose 8D was already sent to the customer (``sent``) and whose
    customer-visible fields this change edits."""
    corrected: tuple[Corrected, ...] = ()
    """Approved corrections and the grades and dues they move: their approval covers those
    moves (no extension is needed for them)."""

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)


def _diag(
    file: str, code: str, zh: str, en: str, hint_zh: str, hint_en: str, fld: str = ""
) -> Diagnostic:
    return Diagnostic(file, code, zh, en, field=fld, hint_zh=hint_zh, hint_en=hint_en)


def _stem(display: str) -> str:
    """The record id a display path names (string work: called for every base record)."""
    return display.rpartition("/")[2].removesuffix(RECORD_SUFFIX)


def _same_record(new: dict[str, Any] | None, old: dict[str, Any], rid: str) -> bool:
    """A record added under another name is this one: same id inside, or same received time
    and customer."""
    if not new:
        return False
    if new.get("id") == rid:
        return True
    company = (new.get("customer") or {}).get("company")
    return (
        old.get("received_at") is not None
        and new.get("received_at") == old["received_at"]
        and company == (old.get("customer") or {}).get("company")
    )


def pair_id_corrections(
    snapshot: BaseSnapshot, changes: list[RecordChange], removed: list[str]
) -> tuple[list[RecordChange], list[str]]:
    """A record that left its base file for a file named by a documented id correction
    (``corrections``: field id, from the old id, to the new) is that record, changed: the
    rules compare it with its base version (``check_immutable`` then asks for the
    correction's approval) instead of reporting a deletion and a rename."""
    if not removed:
        return changes, removed
    by_stem = {c.new.stem: i for i, c in enumerate(changes) if c.old is None and c.new.data}
    left = []
    for display in removed:
        rid = _stem(display)
        old = snapshot.data(display) or {}
        hit = None
        for stem, i in by_stem.items():
            data = changes[i].new.data or {}
            if data.get("id") == stem and any(
                isinstance(e, Mapping)
                and e.get("field") == "id"
                and e.get("from") == rid
                and e.get("to") == stem
                for e in data.get("corrections") or ()
            ):
                hit = i
                break
        if hit is None:
            left.append(display)
            continue
        changes[hit] = replace(changes[hit], old=old)
        del by_stem[changes[hit].new.stem]
    return changes, left


def structural(
    snapshot: BaseSnapshot,
    changes: list[RecordChange],
    removed: list[str],
    wt: list[str],
    prefix: str,
    digits: int = 4,
) -> list[Diagnostic]:
    """Deleted and renamed records, and ids the merge result would hold twice."""
    out: list[Diagnostic] = []
    added = [c for c in changes if c.old is None and not snapshot.existed_at_fork(c.new.display)]
    ref = snapshot.ref
    for display in removed:
        old = snapshot.data(display) or {}
        rid = _stem(display)
        twin = next((c for c in added if _same_record(c.new.data, old, rid)), None)
        if twin is not None:
            out.append(
                _diag(
                    twin.new.display,
                    "change-renamed",
                    f"记录 {rid} 被改名为 {twin.new.stem}：记录合并后不能改名",
                    f"Record {rid} was renamed to {twin.new.stem}: records are never renamed "
                    "once merged",
                    f"改回原名：git mv {twin.new.display} {display}，并保持 id: {rid}。",
                    f"Rename it back: git mv {twin.new.display} {display}, keeping id: {rid}.",
                    "id",
                )
            )
        else:
            out.append(
                _diag(
                    display,
                    "change-deleted",
                    f"记录 {rid} 被删除：合并后的记录永不删除（{ref} 中仍有此文件）",
                    f"Record {rid} was deleted: merged records are never deleted (it is on {ref})",
                    f"恢复文件：git checkout {ref} -- {display}；"
                    "作废的客诉改 status: cancelled 并填写 cancellation。",
                    f"Restore it: git checkout {ref} -- {display}; to void a complaint set status: "
                    "cancelled and fill in cancellation.",
                )
            )
    # Ids after the merge: this branch's files plus records the base gained since the fork.
    here = set(wt)
    base_new = {
        same_key(_stem(d)): d
        for d in snapshot.blobs
        if d not in here and not snapshot.existed_at_fork(d)
    }
    taken = {_stem(d) for d in snapshot.blobs} | {_stem(d) for d in wt}
    for c in added + [c for c in changes if c.clash]:
        rid = c.new.stem
        other = c.new.display if c.clash else base_new.get(same_key(rid))
        if other is None:
            continue
        parts = rid.split("-")
        year = int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 0
        free = next_id(prefix, year, taken, digits) if parts[0] == prefix and year else "…"
        new_path = str(PurePosixPath(c.new.display).with_name(f"{free}{RECORD_SUFFIX}"))
        out.append(
            _diag(
                c.new.display,
                "id-taken",
                f"编号 {rid} 已被 {ref} 上合并的另一条记录（{other}）占用："
                "并行的合并请求取了同一个编号",
                f"Id {rid} is already used on {ref} by another merged record ({other}): parallel "
                "pull requests took the same number",
                f"改用下一个空闲编号：git mv {c.new.display} {new_path}，把 id 改为 {free}，"
                "再运行 kesu check。",
                f"Take the next free number: git mv {c.new.display} {new_path}, set id: {free}, "
                "and run kesu check again.",
                "id",
            )
        )
    return out


def cache_tracked(root: Path) -> list[Diagnostic]:
    """A cache committed in the head or staged (design decision 12): never believed, so
    refused; one finding, at the first such file."""
    from generator.load.cachedir import CACHE_DIR, tracked

    files = tracked(root, CACHE_DIR, head=True) or []
    if not files:
        return []
    n = len(files)
    return [
        _diag(
            files[0],
            "cache-tracked",
            f"{CACHE_DIR}/ 中有 {n} 个文件被提交到 Git（第一个：{files[0]}）：缓存由 Kesu 在"
            "每台机器上自行生成，提交的缓存可能让记录被读成与其文件不同的内容，因此不予采信",
            f"{n} file(s) under {CACHE_DIR}/ are committed to Git (first: {files[0]}): Kesu "
            "writes its cache on each machine, and a committed one could make a record read as "
            "something other than its file, so it is never trusted",
            f"从提交中移除：git rm -r --cached {CACHE_DIR}，确认 .gitignore 中有 {CACHE_DIR}/"
            "，再提交。",
            f"Take it out of the commit: git rm -r --cached {CACHE_DIR}, make sure .gitignore "
            f"lists {CACHE_DIR}/, and commit again.",
        )
    ]


def _base_dues(
    analysis: Analysis,
    changes: list[RecordChange],
    fixed: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, Computed]:
    """The computation with every changed record at its base version, for those records: the
    whole set computed again by the pipeline's own call (``pipeline.recompute``), so the
    results are what the first pass would have given the base versions. ``fixed`` (display
    path → data) replaces some base versions: the base with its approved corrections."""
    from generator.pipeline import recompute

    old = {c.new.display: c.old for c in changes if c.old is not None and not c.clash}
    old.update(fixed or {})
    if not old:
        return {}
    records = [
        Record(r.id, r.path, old[r.path], True) if r.path in old else r
        for r in analysis.validation.records.records
        if r.valid or r.path in old
    ]
    seeds = {r.id for r in records if r.path in old}
    computed = recompute(analysis, records=records)
    return {rid: c for rid, c in computed.items() if rid in seeds}


@dataclass(frozen=True, slots=True)
class _Fixed:
    """The base versions as they would have been registered right: an approved correction
    is the approval for the dues that follow from it, so the change is judged against these."""

    fields: dict[str, dict[tuple[str, ...], tuple[Any, Any]]]
    """Display path → the corrected fields (base value, corrected value)."""
    data: dict[str, dict[str, Any]]
    """Display path → the base version with the corrected values."""
    computed: dict[str, Computed]
    """Record id → its computation from ``data`` (the other changed records at their base)."""

    def effect(self, change: RecordChange, base: Computed) -> Corrected:
        rid, shown = change.new.stem, change.new.display
        fields = tuple(
            (".".join(path), str(was), str(now)) for path, (was, now) in self.fields[shown].items()
        )
        return Corrected(
            rid, shown, fields, tuple(moved({rid: base}, {rid: self.computed.get(rid, base)}))
        )


def _fixed_base(analysis: Analysis, changes: list[RecordChange], role: str) -> _Fixed:
    fields = {
        c.new.display: fix
        for c in changes
        if c.old is not None
        and not c.clash
        and c.new.data is not None
        and (fix := approved_corrections(c.old, c.new.data, role))
    }
    data = {
        c.new.display: with_corrections(c.old, fields[c.new.display])
        for c in changes
        if c.old is not None and c.new.display in fields
    }
    return _Fixed(fields, data, _base_dues(analysis, changes, data) if data else {})


def _states(computed: Computed | None) -> dict[str, tuple[str, datetime | None]]:
    return {m.id: (m.state, m.done_at) for m in computed.milestones} if computed else {}


def _dues(computed: Computed | None) -> dict[str, datetime | None]:
    return {m.id: m.due_at for m in computed.milestones} if computed else {}


def _needs(policy: Policy, change: RecordChange, computed: Computed | None) -> list[ApprovalNeed]:
    from generator.policy.types import LIFECYCLE

    new = change.new.data or {}
    status = str(new.get("status"))
    was = (change.old or {}).get("status")
    if computed is None or status == was or status not in LIFECYCLE:
        return []
    reached = LIFECYCLE.index(status)
    out = []
    for a in computed.required_approvals:
        if a.stage in LIFECYCLE and LIFECYCLE.index(a.stage) <= reached:
            name = policy.roles.get(a.role)
            out.append(
                ApprovalNeed(
                    change.new.stem,
                    change.new.display,
                    status,
                    a.role,
                    name.zh if name else a.role,
                    name.en if name else a.role,
                    a.subject,
                    a.decision,
                    a.by,
                    a.at,
                )
            )
    return out


def run_check(
    config: RepoConfig,
    base: str,
    as_of: datetime,
    preset: str | None = None,
    caches: Caches | None = None,
) -> CheckResult:
    """Check the working tree against ``base``, judged by ``base``'s rules.

    ``config`` is the working tree's ``kesu.yaml`` (what the change proposes); the judge is
    the base revision's ``kesu.yaml`` and policy file, read from Git (design decision 12).
    ``preset`` (``kesu --preset``) replaces the preset of both. Raises ChangeError for a bad
    repository or reference. ``caches`` are the command's (it saves them).
    """
    from generator.pipeline import analyse

    judge, judge_diags = judge_config(config, base, preset)
    snapshot = read_base(config.root, judge.records_dir, base)
    if judge_diags:
        # The base's own rules do not load: nothing can be judged by them.
        return CheckResult(tuple(judge_diags), 0, base, snapshot.commit)
    analysis = analyse(judge, as_of, caches=caches)
    change = _check_change(judge, snapshot, analysis, base, as_of)
    rules = _rule_changes(judge, config, snapshot, analysis, as_of)
    suggestions, noted = _suggest(change.changed, analysis)
    diagnostics = [*change.diagnostics, *rules.diagnostics, *noted]
    return replace(
        change,
        diagnostics=tuple(
            sorted(diagnostics, key=lambda d: (d.file, d.line or 0, d.column or 0, d.code))
        ),
        rule_files=tuple(rules.files),
        moved=tuple(rules.moved),
        not_evaluated=tuple(rules.not_evaluated),
        suggestions=tuple(suggestions),
    )


def _suggest(
    changed: Sequence[str], analysis: Analysis
) -> tuple[list[Suggestion], list[Diagnostic]]:
    """Recurrence suggestions for the records the change adds or edits, and their warnings."""
    from generator.render.recurrence import as_diagnostic, for_records

    suggestions = for_records(analysis, changed)
    by_id = analysis.validation.records.by_id
    texts = analysis.validation.texts
    return suggestions, [
        as_diagnostic(s, by_id[s.record].path, texts.get(by_id[s.record].path)) for s in suggestions
    ]


def judge_config(
    config: RepoConfig, base: str, preset: str | None = None
) -> tuple[RepoConfig, list[Diagnostic]]:
    """The base revision's config for the records under ``config.root``."""
    from generator.change.base import open_repo, resolve
    from generator.config.rulesource import GitRules
    from generator.config.settings import load_config_from

    repo = open_repo(config.root)
    commit = resolve(repo, base)
    top = Path(repo.working_tree_dir or config.root).resolve()
    try:
        prefix = PurePosixPath(config.root.resolve().relative_to(top).as_posix())
    except ValueError:
        prefix = PurePosixPath()
    judge, diags = load_config_from(config.root, GitRules(top, prefix, commit.hexsha, base))
    if preset:
        judge = replace(judge, preset=preset, policy_file=None)
    return judge, diags


@dataclass(slots=True)
class _Rules:
    files: list[RuleFile]
    diagnostics: list[Diagnostic]
    moved: list[Moved]
    not_evaluated: list[str]


def _rule_changes(
    judge: RepoConfig,
    proposed: RepoConfig,
    snapshot: BaseSnapshot,
    analysis: Analysis,
    as_of: datetime,
) -> _Rules:
    """The rule files the change edits, whether they are approved, and what they move."""
    from generator.change.base import open_repo
    from generator.change.rulefiles import (
        EVALUATED,
        REGISTER,
        changed_rule_files,
        read_register,
        rule_findings,
    )
    from generator.config.rulesource import GitRules, WorkTreeRules

    repo = open_repo(judge.root)
    top = Path(repo.working_tree_dir or judge.root).resolve()
    assert isinstance(judge.rules, GitRules)
    policy_files = [p for p in (judge.policy_file, proposed.policy_file) if p]
    calendar_dirs = [judge.official_calendar_dir, proposed.official_calendar_dir]
    files = changed_rule_files(
        top,
        judge.rules.prefix,
        snapshot.commit,
        snapshot.fork_commit,
        judge.records_dir,
        policy_files,
        calendar_dirs,
    )
    register = read_register(
        judge.rules.read(REGISTER), WorkTreeRules(judge.root).read(REGISTER), snapshot.ref
    )
    policy = analysis.policy
    role = policy.change_control.rule_changes if policy is not None else "quality_manager"
    name = policy.roles.get(role) if policy is not None else None
    names = (name.zh, name.en) if name is not None else (role, role)
    diags = rule_findings(files, register, role, names)
    moves: list[Moved] = []
    if any(f.kind in EVALUATED for f in files):
        after, found = _computed_with(proposed, analysis)
        diags += found
        if after is not None:
            moves = moved(analysis.computed, after)
    skipped = sorted({f.path for f in files if f.kind not in EVALUATED})
    return _Rules(files, diags, moves, skipped)


def _computed_with(
    proposed: RepoConfig, analysis: Analysis
) -> tuple[dict[str, Computed] | None, list[Diagnostic]]:
    """Every valid record computed with the proposed rules (by the judging engine)."""
    from generator.config.calendars import repository_calendar
    from generator.config.rulesource import WorkTreeRules
    from generator.pipeline import make_calendar, recompute
    from generator.policy.loader import load_policy, policy_from_preset_file

    rules = WorkTreeRules(proposed.root)
    policy, diags = (
        policy_from_preset_file(proposed, rules)
        if not proposed.policy_file
        else (load_policy(proposed))
    )
    if policy is None:
        return None, [replace(d, code=f"proposed-{d.code}", severity=Severity.ERROR) for d in diags]
    official, calendar_diags = repository_calendar(proposed)
    if official is None:
        return None, [
            replace(d, code=f"proposed-{d.code}", severity=Severity.ERROR) for d in calendar_diags
        ]
    calendar = make_calendar(proposed, official)
    return recompute(
        analysis, policy=policy, calendar=calendar, due_soon_days=proposed.due_soon_days
    ), []


def _check_change(
    config: RepoConfig, snapshot: BaseSnapshot, analysis: Analysis, base: str, as_of: datetime
) -> CheckResult:
    """The rules on the change, after validation and the computation (``analysis``)."""
    files = worktree(config.records_path, config.root, analysis.validation.texts)
    changes, removed = pair_id_corrections(snapshot, *compare_worktree(snapshot, files))
    wt = [f.display for f in files]
    diags = list(analysis.diagnostics)
    diags += structural(snapshot, changes, removed, wt, config.id_prefix, config.id_digits)
    diags += cache_tracked(config.root)
    from generator.report.checks import validation_checks

    diags += validation_checks(config, analysis.validation)
    old_computed = _base_dues(analysis, changes)
    control = analysis.policy.change_control if analysis.policy is not None else ChangeControl()
    fixed = _fixed_base(analysis, changes, control.corrections)
    needs: list[ApprovalNeed] = []
    resend: list[Resend] = []
    corrected: list[Corrected] = []
    for change in changes:
        new = change.new.data
        if new is None:
            continue  # validation reports why it does not load
        emit = Emitter(change.new)
        check_future(new, emit, as_of, config.tz)
        computed = analysis.computed.get(change.new.stem)
        base_computed = old_computed.get(change.new.stem)
        judged_by = fixed.computed.get(change.new.stem, base_computed)
        if change.new.display in fixed.data and base_computed is not None:
            corrected.append(fixed.effect(change, base_computed))
        is_new = change.old is None and not snapshot.existed_at_fork(change.new.display)
        if is_new:
            check_new(new, emit, LIFECYCLE[0], control.imports)
        if snapshot.committed_at is not None and (is_new or not change.clash):
            old_states = _states(judged_by) if change.old else {}
            check_late_entries(
                change.old,
                new,
                emit,
                config.tz,
                (snapshot.ref, snapshot.committed_at),
                (old_states, _states(computed)),
                control.extensions,
            )
        if change.old is not None and not change.clash:
            old = change.old
            grade = computed.grade.grade if computed is not None else None
            by_rule = check_transition(analysis.policy, old, new, emit, grade)
            if by_rule or not check_closed(old, new, emit, snapshot.ref):
                check_immutable(old, new, emit, control.corrections)
                check_history(old, new, emit)
                check_extensions(
                    fixed.data.get(change.new.display, old),
                    new,
                    emit,
                    config.tz,
                    (_dues(judged_by), _dues(computed)),
                )
        if change.old is not None and (found := _resend(change.new.stem, change.old, new)):
            resend.append(found)
            emit.out.append(_resend_warning(change.new.display, found))
        if analysis.policy is not None:
            needs += _needs(analysis.policy, change, computed)
        diags += emit.out
    diags.sort(key=lambda d: (d.file, d.line or 0, d.column or 0, d.code))
    return CheckResult(
        tuple(diags),
        analysis.validation.files_checked,
        base,
        snapshot.commit,
        tuple(sorted(c.new.display for c in changes)),
        tuple(removed),
        tuple(needs),
        resend=tuple(resend),
        corrected=tuple(corrected),
    )


def _resend(rid: str, old: dict[str, Any], new: dict[str, Any]) -> Resend | None:
    """A change to what the customer already received: the base version has a ``sent``
    entry and a customer-visible field differs."""
    sent = [s for s in old.get("sent") or () if isinstance(s, dict)]
    if not sent:
        return None
    from generator.report.audience import visible_changes

    fields = visible_changes(old, new)
    if not fields:
        return None
    last = max(sent, key=lambda s: str(s.get("date", "")))
    when = (str(last.get("date", "")), str(last.get("to", "")), str(last.get("revision", "")))
    return Resend(rid, tuple(fields), when)


def _resend_warning(display: str, r: Resend) -> Diagnostic:
    names = ", ".join(r.fields)
    date, to, rev = r.last_sent
    return Diagnostic(
        display,
        "report-sent-changed",
        f"8D 报告已于 {date} 发给 {to}（修订 {rev}），本次修改了客户可见的字段：{names}",
        f"the 8D report was sent to {to} on {date} (revision {rev}); this change edits "
        f"customer-visible fields: {names}",
        hint_zh="合并后用 kesu report 生成新版并重新发送，再追加一条 sent 记录。",
        hint_en="After merging, write the new version with kesu report, send it again and "
        "add a sent entry.",
        severity=Severity.WARNING,
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary_markdown(result: CheckResult, lang: str) -> str:
    """The GitHub job summary: verdict, what changed, approvals needed, problems."""
    en = lang == "en"
    errors = [d for d in result.diagnostics if d.severity == "error"]
    verdict = (
        ("✅ passed" if en else "✅ 通过")
        if not errors
        else (f"❌ {len(errors)} error(s)" if en else f"❌ {len(errors)} 个错误")
    )
    lines = [f"## kesu check: {verdict}", ""]
    changed = ", ".join(f"`{_stem(p)}`" for p in result.changed) or ("none" if en else "无")
    base = f"`{result.base}` ({result.base_commit[:7]})"
    lines.append(
        f"Base {base}; records changed: {changed}"
        if en
        else f"基准 {base}；本次改动的记录：{changed}"
    )
    if result.removed:
        gone = ", ".join(f"`{_stem(p)}`" for p in result.removed)
        lines.append(f"Records removed: {gone}" if en else f"被删除的记录：{gone}")
    if result.resend:
        lines += [
            "",
            "### Already sent to the customer" if en else "### 已发给客户的 8D 报告",
            "",
            "| record | sent | to | revision | customer-visible fields changed |"
            if en
            else "| 记录 | 发送日期 | 收件人 | 修订 | 改动的客户可见字段 |",
            "|---|---|---|---|---|",
        ]
        for r in result.resend:
            date, to, rev = r.last_sent
            names = ", ".join(f"`{f}`" for f in r.fields)
            lines.append(
                f"| `{r.record}` | {_cell(date)} | {_cell(to)} | `{_cell(rev)}` | {names} |"
            )
    if result.corrected:
        lines += _corrected_markdown(result, en)
    if result.needs:
        lines += ["", "### Approvals this pull request needs" if en else "### 本 PR 需要的审批", ""]
        lines += [f"- {n.text(lang)}" for n in result.needs]
    if result.rule_files:
        lines += ["", "### Rule changes" if en else "### 规则变更", ""]
        lines += ["| file | kind | change |" if en else "| 文件 | 类别 | 改动 |", "|---|---|---|"]
        from generator.change.rulefiles import KIND_NAMES

        for f in result.rule_files:
            kind = KIND_NAMES[f.kind][1 if en else 0]
            lines.append(f"| `{_cell(f.path)}` | {kind} | {f.status} |")
        if result.moved:
            lines += [
                "",
                "Records the proposed rules move (base rules → proposed rules):"
                if en
                else "拟议规则改变的现有记录（基准规则 → 拟议规则）：",
                "",
            ]
            lines += [
                "| record | what | before | after |" if en else "| 记录 | 项目 | 之前 | 之后 |",
                "|---|---|---|---|",
            ]
            for m in result.moved[:SUMMARY_ROWS]:
                name = m.name_en if en else m.name_zh
                lines.append(
                    f"| `{m.record}` | {_cell(name)} | {_when(m.before)} | {_when(m.after)} |"
                )
            if len(result.moved) > SUMMARY_ROWS:
                more = len(result.moved) - SUMMARY_ROWS
                lines.append(
                    f"| … | {more} more in the log | | |"
                    if en
                    else f"| … | 另有 {more} 条，见日志 | | |"
                )
        else:
            lines += ["", *moved_lines(result, lang)[:1]]
        if result.not_evaluated:
            lines += ["", moved_lines(result, lang)[-1]]
    if result.diagnostics:
        head = (
            "| file | line | field | rule | problem |"
            if en
            else "| 文件 | 行 | 字段 | 规则 | 问题 |"
        )
        lines += ["", "### Problems" if en else "### 问题", "", head, "|---|---|---|---|---|"]
        for d in result.diagnostics[:SUMMARY_ROWS]:
            msg = d.message(lang) + (f" — {d.hint(lang)}" if d.hint(lang) else "")
            lines.append(
                f"| `{_cell(d.file)}` | {d.line or ''} | `{_cell(d.field)}` | "
                f"{d.code} | {_cell(msg)} |"
            )
        if len(result.diagnostics) > SUMMARY_ROWS:
            more = len(result.diagnostics) - SUMMARY_ROWS
            lines.append(
                f"| … | | | | {more} more in the log |"
                if en
                else f"| … | | | | 另有 {more} 条，见日志 |"
            )
    return "\n".join(lines) + "\n"


def _when(value: datetime | str | None) -> str:
    if value is None:
        return "—"
    return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, datetime) else value


def moved_lines(result: CheckResult, lang: str) -> list[str]:
    """The rule change's effect on existing records, one line each (text reporters)."""
    en = lang == "en"
    lines = []
    if result.moved:
        lines.append(
            "The proposed rules move these records (base rules → proposed rules):"
            if en
            else "拟议的规则会改变以下记录（基准规则 → 拟议规则）："
        )
        for m in result.moved:
            name = m.name_en if en else m.name_zh
            lines.append(f"  - {m.record} {name}: {_when(m.before)} → {_when(m.after)}")
    elif any(f.kind in ("config", "policy", "calendar") for f in result.rule_files):
        lines.append(
            "The proposed rules move no grade or due of an existing record."
            if en
            else "拟议的规则不改变现有记录的级别与期限。"
        )
    if result.not_evaluated:
        files = ", ".join(result.not_evaluated)
        lines.append(
            f"Not computed (code is reviewed, never run by the gate): {files}"
            if en
            else f"未计算影响（代码由人评审，检查从不运行改动中的代码）：{files}"
        )
    return lines


_FIELD_NAMES = {".".join(path): (zh, en) for path, zh, en in IMMUTABLE}


def _fields(c: Corrected, en: bool) -> str:
    return "; ".join(
        f"{_FIELD_NAMES.get(f, (f, f))[1 if en else 0]} {was} → {now}" for f, was, now in c.fields
    )


def corrected_lines(result: CheckResult, lang: str) -> list[str]:
    """What each approved correction moves, one line each (text reporters): the dues that
    follow from the corrected value, which the correction's approval covers."""
    en = lang == "en"
    lines = []
    for c in result.corrected:
        fields = _fields(c, en)
        if not c.moved:
            lines.append(
                f"The approved correction of {c.record} ({fields}) moves no grade or due."
                if en
                else f"{c.record} 经批准的更正（{fields}）不改变级别与期限。"
            )
            continue
        lines.append(
            f"The approved correction of {c.record} ({fields}) moves these, as registered → "
            "corrected; its approval covers them (no extension needed):"
            if en
            else f"{c.record} 经批准的更正（{fields}）改变了以下项目（按原登记 → 按更正后）；"
            "更正的批准即涵盖这些变化，无需延期："
        )
        for m in c.moved:
            name = m.name_en if en else m.name_zh
            lines.append(f"  - {name}{': ' if en else '：'}{_when(m.before)} → {_when(m.after)}")
    return lines


def _corrected_markdown(result: CheckResult, en: bool) -> list[str]:
    lines = [
        "",
        "### What the approved corrections move" if en else "### 经批准的更正带来的变化",
        "",
        "The receipt time or customer was registered wrong, so what was computed from it was "
        "wrong too: the correction's approval covers these moves, no extension is needed."
        if en
        else "登记的接收时间或客户有误，由它算出的期限也随之有误：更正的批准即涵盖以下变化，"
        "无需另行延期。",
        "",
        "| record | correction | what | as registered | corrected |"
        if en
        else "| 记录 | 更正 | 项目 | 按原登记 | 按更正后 |",
        "|---|---|---|---|---|",
    ]
    for c in result.corrected:
        fields = _cell(_fields(c, en))
        if not c.moved:
            none = "no grade or due moves" if en else "级别与期限均不变"
            lines.append(f"| `{c.record}` | {fields} | {none} | | |")
        for m in c.moved:
            name = _cell(m.name_en if en else m.name_zh)
            lines.append(
                f"| `{c.record}` | {fields} | {name} | {_when(m.before)} | {_when(m.after)} |"
            )
    return lines


def corrected_json(result: CheckResult) -> list[dict[str, Any]]:
    def iso(v: datetime | str | None) -> str | None:
        return v.isoformat() if isinstance(v, datetime) else v

    return [
        {
            "record": c.record,
            "file": c.file,
            "corrections": [{"field": f, "from": was, "to": now} for f, was, now in c.fields],
            "moved": [
                {"what": m.what, "before": iso(m.before), "after": iso(m.after)} for m in c.moved
            ],
        }
        for c in result.corrected
    ]


def rule_files_json(result: CheckResult) -> list[dict[str, str]]:
    return [{"path": f.path, "kind": f.kind, "status": f.status} for f in result.rule_files]


def moved_json(result: CheckResult) -> list[dict[str, str | None]]:
    def iso(v: datetime | str | None) -> str | None:
        return v.isoformat() if isinstance(v, datetime) else v

    return [
        {"record": m.record, "what": m.what, "before": iso(m.before), "after": iso(m.after)}
        for m in result.moved
    ]


def needs_json(result: CheckResult) -> list[dict[str, Any]]:
    return [
        {
            "record": n.rid,
            "file": n.file,
            "status": n.status,
            "role": n.role,
            "subject": n.subject,
            "decision": n.decision,
            "by": n.by,
            "at": n.at,
            "message_zh": n.text("zh"),
            "message_en": n.text("en"),
        }
        for n in result.needs
    ]
