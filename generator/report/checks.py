"""What ``kesu validate`` says about customer reports: a field the customer's profile needs
at the record's stage and the record lacks (``report-field-missing``), found while the record
is being written, not when the FAE is about to send the file; and a profile or template
mapping that cannot be used (its own diagnostics, once)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from generator.common.diagnostics import Diagnostic
from generator.common.model import Record
from generator.config.settings import RepoConfig
from generator.load.yamlload import located
from generator.render.labels import label
from generator.report import make
from generator.report.audience import schema_path
from generator.report.content import missing
from generator.report.profiles import STAGES


def validation_checks(config: RepoConfig, validation: Any) -> list[Diagnostic]:
    """``report_checks`` for the valid records a validation reports on
    (``validate.records.ValidationResult``): what ``kesu validate`` and ``kesu check`` add.

    Not part of ``pipeline.analyse``: the report stage sits above the pipeline (it needs the
    render stage's labels), so the commands that validate call it."""
    records = (
        r for r in validation.records.records if r.valid and r.path in validation.reported_files
    )
    return report_checks(config, records, validation.texts)


def report_checks(
    config: RepoConfig, records: Iterable[Record], texts: dict[str, str | None] | Any
) -> list[Diagnostic]:
    profiles = make.Profiles(config.root)
    out: list[Diagnostic] = []
    said: set[str] = set()
    for record in records:
        choice = make.choice_for(config, record.data)
        profile, problems = profiles.get(choice.profile)
        if profile is None:
            if choice.profile not in said:
                said.add(choice.profile)
                out.extend(problems)
            continue
        if choice.template and choice.template not in said:
            said.add(choice.template)
            from generator.report.xlsx import load_mapping

            out.extend(load_mapping(config.root / choice.template, choice.template)[1])
        status = str(record.data.get("status", ""))
        code = (record.data.get("customer") or {}).get("code", "")
        for section, field, stage in missing(record.data, profile, status, STAGES):
            zh_name, en_name = label(schema_path(field), "zh"), label(schema_path(field), "en")
            who_zh = f"客户 {code} 的 " if code else ""
            who_en = f"customer {code}'s " if code else "the "
            out.append(
                located(
                    record.path,
                    texts.get(record.path),
                    field.split("."),
                    "report-field-missing",
                    f"{field}（{zh_name}）未填写：{who_zh}8D 报告格式 {profile.id} 的 {section} "
                    f"自 {stage} 阶段起需要它（记录状态：{status}）",
                    f"{field} ({en_name}) is empty: {who_en}8D report profile {profile.id} needs "
                    f"it in {section} from stage {stage} on (the record is at {status})",
                    f"填写 {field}；或在 kesu.yaml 的 report.customers 中为该客户选另一个格式。",
                    f"Fill in {field}, or choose another profile for this customer in "
                    "kesu.yaml's report.customers.",
                )
            )
    return out
