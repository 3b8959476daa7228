"""Synthetic but realistic record sets for the benchmark (issue 6).

``generate(n, seed)`` returns ``n`` complaint records as YAML text plus their attachment
files, deterministically for a seed. The sets look like ``records/*.yaml``: Chinese text,
received 2024–2026 in working hours, a spread of statuses by age (old ones mostly closed with
a full 8D, recent ones at every open stage, a few cancelled), recurrences (a skewed pool of
``problem_key`` values, ``recurrence`` links, reopened ``<id>-1`` records), small attachment
files, and sizes of about 2–13 KB a file. Every record passes ``kesu validate`` under the
default policy (preset 000), including the stage-completeness checks; the tests prove it at
N = 10 with the real validator.

    python -m bench.synth 1000 /tmp/kesu-1000     # write a repository's records/ and attachments/
"""

from __future__ import annotations

import itertools
import random
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

AS_OF = datetime(2026, 12, 31, 18, 0)
"""Every date in a set is at or before this instant; the benchmark passes it as --as-of."""
FIRST = datetime(2024, 1, 2)
HEADER = "# yaml-language-server: $schema=../schema/complaint.schema.json\n"

_CITIES = [
    "苏州",
    "无锡",
    "宁波",
    "东莞",
    "佛山",
    "合肥",
    "成都",
    "西安",
    "武汉",
    "天津",
    "青岛",
    "厦门",
    "长沙",
    "郑州",
    "重庆",
    "南京",
    "杭州",
    "深圳",
    "昆山",
    "常州",
]
_INDUSTRY = [
    ("汽车电子", "汽车"),
    ("智能家电", "家电"),
    ("医疗设备", "医疗"),
    ("通信设备", "通信"),
    ("服务器科技", "服务器"),
    ("新能源", "新能源"),
    ("工业自动化", "自动化"),
    ("照明电器", "照明"),
    ("轨道交通装备", "轨交"),
    ("储能系统", "储能"),
]
_REGIONS = ["华东", "华南", "华北", "华中", "西南", "西北", "东北"]
_PRODUCTS = [
    ("车身控制器线束", "WH", "FUSE-OPEN"),
    ("医用电源适配器 120W", "PA", "NO-OUTPUT"),
    ("DDR4 内存条 8G", "DM", "NO-BOOT"),
    ("注塑面板外壳", "HS", "CLIP-BREAK"),
    ("SSD 固态硬盘 1T", "SSD", "DROP-OUT"),
    ("电机驱动板", "MD", "OVERHEAT"),
    ("LED 驱动电源", "LD", "FLICKER"),
    ("连接器端子", "CT", "LOW-RETENTION"),
    ("钣金机柜", "SM", "RUST"),
    ("包装纸箱", "PK", "LABEL-MISMATCH"),
    ("锂电池模组", "BM", "SWELLING"),
    ("传感器模块", "SN", "DRIFT"),
]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘"
_GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "强",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "晓东",
    "志远",
    "文杰",
    "俊",
    "婷",
    "浩",
    "雪",
    "亮",
    "佳",
    "宁",
    "鹏",
    "倩",
    "凯",
]
_DEPTS = ["品质部", "生产部", "研发部", "工程部", "采购部", "仓储部", "技术服务部", "计划部"]
_CHANNELS = ["phone", "email", "email", "phone", "written", "platform", "onsite", "meeting"]
_LOCATIONS = ["customer", "in_transit", "warehouse", "wip", "line", "incoming"]
_SIX_M = ["man", "machine", "material", "method", "environment", "measurement"]
_DOC_TYPES = ["pfmea", "control_plan", "work_instruction"]
# Phrase pools: combined with numbers they give varied, plausible Chinese sentences.
_SYMPTOM = [
    "开机无输出",
    "上电后间歇性掉电",
    "外观划伤",
    "尺寸超差",
    "标签与实物不符",
    "焊点虚焊",
    "卡扣断裂",
    "高温下性能下降",
    "包装破损",
    "螺丝漏打",
    "端子退针",
    "绝缘耐压不良",
    "异响",
    "漏液",
    "色差明显",
    "固件版本错误",
]
_FOUND_AT = ["来料检验", "产线装配", "整机老化测试", "终端用户使用", "仓库抽检", "客户可靠性试验"]
_CAUSE = [
    "作业员未按作业指导书核对物料丝印",
    "模具型腔磨损导致尺寸漂移",
    "供应商变更原材料未通知",
    "回流焊炉温曲线设定偏低",
    "治具定位销松动",
    "测试程序未覆盖冷启动工况",
    "包装方案未考虑长途运输振动",
    "新员工培训不足",
    "来料检验抽样方案放宽",
    "设备点检记录流于形式",
    "工程变更未同步到产线",
    "环境湿度超出工艺窗口",
]
_ACTION = [
    "对库存和在途产品全数复检并隔离",
    "更换不良品并补发",
    "调整工艺参数并固化到程序",
    "修订作业指导书并重新培训上岗",
    "增加首件检验与巡检频次",
    "模具返修并增加寿命管理",
    "导入防错治具，错料时设备报警停机",
    "测试程序增加冷启动与高低温项目",
    "供应商变更须提前 30 天书面通知并重新认定",
    "包装增加缓冲材料并做跌落试验",
]


def _sentence(rng: random.Random, pool: list[str], k: int = 2) -> str:
    parts = rng.sample(pool, k)
    n = rng.randint(2, 480)
    return (
        f"{parts[0]}，涉及 {n} 件；" + "；".join(parts[1:]) + f"，{rng.choice(_FOUND_AT)}时发现。"
    )


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def _ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def _d(t: datetime) -> str:
    return t.strftime("%Y-%m-%d")


def _work_time(t: datetime, rng: random.Random) -> datetime:
    """The same day within working hours (08:30–17:30)."""
    return t.replace(hour=rng.randint(8, 16), minute=rng.choice([0, 10, 15, 20, 30, 40, 45, 50]))


@dataclass(frozen=True, slots=True)
class Customer:
    company: str
    short: str
    code: str
    site: str
    region: str


@dataclass(slots=True)
class SynthSet:
    """One generated set: ``records`` maps a repository path to YAML text, ``files`` to bytes."""

    records: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    open_ids: list[str] = field(default_factory=list)

    def write(self, root: Path) -> None:
        for rel, text in self.records.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        for rel, data in self.files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


def _customers(rng: random.Random, n: int) -> list[Customer]:
    count = min(200, max(6, n // 50))
    out = []
    for i in range(count):
        city = _CITIES[i % len(_CITIES)]
        ind, short_ind = _INDUSTRY[(i // len(_CITIES) + i) % len(_INDUSTRY)]
        suffix = "" if i < len(_CITIES) * len(_INDUSTRY) else str(i)
        out.append(
            Customer(
                f"{city}{ind}有限公司{suffix}",
                f"{city}{short_ind}{suffix}",
                f"C{i + 1:03d}",
                f"{city}{rng.choice(['一', '二', '三'])}厂",
                rng.choice(_REGIONS),
            )
        )
    return out


def _action(
    rng: random.Random,
    aid: str,
    start: datetime,
    done: datetime | None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    a: dict[str, Any] = {
        "id": aid,
        "description": rng.choice(_ACTION) + "。",
        "owner": _name(rng),
        "department": rng.choice(_DEPTS),
        "due": _d(start + timedelta(days=rng.randint(3, 20))),
    }
    a.update(extra or {})
    if done is not None:
        a["done_at"] = _d(done)
        a["status"] = "done"
    else:
        a["status"] = "in_progress"
    return a


_STAGES = ["registered", "containment", "analysis", "correction", "verification", "closed"]
_MIN_AGE = {
    "registered": 0,
    "containment": 3,
    "analysis": 6,
    "correction": 16,
    "verification": 40,
    "closed": 100,
}


def _status(rng: random.Random, age: int) -> str:
    if rng.random() < 0.03 and age > 20:
        return "cancelled"
    if age >= 180:
        wanted = "closed" if rng.random() < 0.96 else rng.choice(_STAGES[3:5])
    elif age >= 100:
        wanted = rng.choice(["closed", "closed", "verification", "correction"])
    else:
        wanted = rng.choice(_STAGES[:5])
    while _MIN_AGE[wanted] > age:
        wanted = _STAGES[_STAGES.index(wanted) - 1]
    return wanted


def _record(
    rng: random.Random,
    rid: str,
    received: datetime,
    status: str,
    cust: Customer,
    prod: tuple[str, str, str],
    pkey_part: str,
    out: SynthSet,
    parent: str | None,
    recur_of: str | None,
) -> dict[str, Any]:
    stage = _STAGES.index(status) if status in _STAGES else 0
    pname, prefix, defect = prod
    R = received
    shipped = R - timedelta(days=rng.randint(5, 120))
    complained = rng.randint(1, 60)
    shipped_qty = complained * rng.randint(3, 400)
    symptom = rng.choice(_SYMPTOM)
    scope = rng.choice(["isolated", "isolated", "batch", "serious"])
    r: dict[str, Any] = {
        "id": rid,
        "title": f"{cust.short} {pkey_part} {symptom}（{complained}/{shipped_qty}）",
        "origin": "external" if rng.random() < 0.9 else "internal",
        "category": rng.choice(["quality"] * 6 + ["delivery", "service"]),
        "channel": rng.choice(_CHANNELS),
        "received_at": _ts(R),
        "received_by": _name(rng),
        "accepted_at": _ts(R + timedelta(minutes=30)),
        "classified_at": _ts(R + timedelta(hours=1)),
    }
    if stage >= 1:
        r["confirmed_at"] = _ts(R + timedelta(hours=5))
    r["status"] = status
    if parent:
        r["reopen_of"] = parent
        r["reopen_reason"] = "客户书面回复不认可原 8D 的根本原因分析，要求重新分析并补充验证数据。"
    r["customer"] = {
        "company": cust.company,
        "code": cust.code,
        "site": cust.site,
        "region": cust.region,
        "department": rng.choice(["质量部", "采购部", "售后质量科"]),
    }
    reporter = _name(rng)
    r["reporter"] = {
        "name": reporter,
        "role": rng.choice(["SQE", "采购专员", "质量工程师"]),
        "phone": f"0{rng.randint(10, 999)}-{rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
        "email": f"user{rng.randint(1, 9999)}@{cust.code.lower()}.example.com",
    }
    lot = f"{R.strftime('%y%m')}{prefix[:1]}{rng.randint(10, 99)}"
    r["product"] = {
        "name": pname,
        "part_number": pkey_part,
        "model": f"{prefix}-{rng.randint(1, 9)} 标准型",
        "lots": [lot],
        "order_quantity": shipped_qty,
        "shipped_quantity": shipped_qty,
        "complained_quantity": complained,
        "returned_quantity": rng.randint(0, complained),
        "shipped_on": _d(shipped),
        "usage_environment": f"客户{rng.choice(_FOUND_AT)}，常温常湿环境。",
    }
    r["description"] = (
        f"客户反馈：{_d(shipped)} 交付的 {shipped_qty} 件 {pname} 中 {complained} 件{symptom}。"
        + _sentence(rng, _SYMPTOM)
    )
    r["demands"] = rng.choice(
        [
            "退换不良品；3 天内回复初步原因。",
            "提交 8D 报告；评估在途与库存风险。",
            "索赔返工费用；书面说明整改措施。",
        ]
    )
    r["defect_code"] = defect
    r["problem_key"] = f"{cust.short}/{pkey_part}/{defect}"
    facts: dict[str, Any] = {
        "written_report": rng.random() < 0.15,
        "production_affected": rng.random() < 0.2,
        "function_loss": rng.random() < 0.5,
        "scope": scope,
    }
    if rng.random() < 0.05:
        facts["line_stop"] = True
    r["facts"] = facts
    owner = _name(rng)
    r["responsibility"] = {
        "responsible_department": rng.choice(_DEPTS),
        "analysing_department": rng.choice(_DEPTS),
        "owner": owner,
        "customer_manager": _name(rng),
        "fae": _name(rng),
    }
    r["sample"] = {"required": True, "requested_at": _ts(R + timedelta(hours=1))}
    if stage >= 1:
        r["sample"].update(
            received_at=_ts(R + timedelta(days=1)),
            handed_over_at=_ts(R + timedelta(days=1, hours=1)),
            quantity=min(complained, 5),
        )
    milestones: dict[str, Any] = {
        "fae_onsite": {"done_at": _ts(R + timedelta(hours=3)), "by": _name(rng)}
    }
    r["d0_emergency"] = {"actions": [_action(rng, "E1", R, R)]}
    if stage >= 1:
        r["d1_team"] = {
            "leader": {"name": owner, "department": "品质部", "role": "组长（QE）"},
            "members": [
                {"name": _name(rng), "department": d, "role": "成员"} for d in rng.sample(_DEPTS, 3)
            ],
        }
        r["d2_problem"] = {
            "summary": _sentence(rng, _SYMPTOM, 3),
            "what": f"{pname} {symptom}。",
            "where": f"客户{cust.site}。",
            "when": f"{_d(R)} 发现；生产批次 {lot}。",
            "who": "客户检验员。",
            "how_many": f"{shipped_qty} 件中 {complained} 件。",
            "is_is_not": [
                {"dimension": "批次", "is": lot, "is_not": "其他批次"},
                {"dimension": "工位", "is": "A 线", "is_not": "B 线"},
            ],
        }
    if stage >= 2:
        r["d3_containment"] = {
            "actions": [
                _action(
                    rng,
                    f"C{i + 1}",
                    R,
                    R + timedelta(days=rng.randint(1, 4)),
                    {
                        "location": loc,
                        "checked_quantity": (c := rng.randint(50, 5000)),
                        "found_quantity": rng.randint(0, min(c, 30)),
                    },
                )
                for i, loc in enumerate(rng.sample(_LOCATIONS, rng.randint(2, 3)))
            ]
        }
        milestones["preliminary_report"] = {
            "done_at": _ts(_work_time(R + timedelta(days=5), rng)),
            "by": owner,
        }
    if stage >= 3:
        causes = ["O1", "E1"] + (["O2"] if rng.random() < 0.4 else [])
        verify = {
            "method": "对比试验，不良条件与正常条件各 20 件。",
            "result": "不良条件复现，正常条件零不良。",
            "verified": True,
            "verified_at": _d(R + timedelta(days=9)),
            "verified_by": owner,
        }

        def cause(cid: str) -> dict[str, Any]:
            return {
                "id": cid,
                "statement": rng.choice(_CAUSE) + "。",
                "category": rng.choice(_SIX_M),
                "why": [
                    f"为什么{symptom}？" + rng.choice(_CAUSE) + "。"
                    for _ in range(rng.randint(2, 4))
                ],
                "verification": dict(verify),
            }

        r["d4_root_cause"] = {
            "investigation": [
                {
                    "category": m,
                    "change_point": rng.choice(["无", "新员工上岗", "材料批次切换"]),
                    "finding": rng.choice(_CAUSE) + "。",
                }
                for m in _SIX_M
            ],
            "occurrence": [cause(c) for c in causes if c.startswith("O")],
            "escape": [cause(c) for c in causes if c.startswith("E")],
            "confirmed_at": _ts(_work_time(R + timedelta(days=10), rng)),
        }
    if stage >= 4:
        r["d5_actions"] = {
            "actions": [
                _action(
                    rng,
                    f"P{i + 1}",
                    R + timedelta(days=10),
                    R + timedelta(days=rng.randint(14, 30)),
                    {"addresses": [c], "kind": "corrective"},
                )
                for i, c in enumerate(causes)
            ]
            + [
                _action(
                    rng,
                    f"P{len(causes) + 1}",
                    R + timedelta(days=10),
                    R + timedelta(days=30),
                    {"addresses": [causes[0]], "kind": "preventive"},
                )
            ],
            "customer_consent": {"agreed": True, "at": _d(R + timedelta(days=12)), "by": reporter},
        }
        milestones["final_report"] = {
            "done_at": _ts(_work_time(R + timedelta(days=31), rng)),
            "by": owner,
        }
    if stage >= 5:
        closed = _work_time(R + timedelta(days=rng.randint(60, 95)), rng)
        r["d6_validation"] = {
            "implemented_at": _d(R + timedelta(days=31)),
            "effectiveness": {
                "method": "跟踪后续 3 个月交付批次与客户反馈。",
                "evidence": "连续 12 批次零不良，客户无反馈。",
                "effective": True,
                "verified_by": owner,
                "verified_at": _d(R + timedelta(days=55)),
            },
        }
        r["d7_prevention"] = {
            "poka_yoke": [_action(rng, "Y1", R + timedelta(days=20), R + timedelta(days=40))],
            "horizontal_deployment": {
                "decision": "required",
                "items": [
                    _action(
                        rng,
                        "H1",
                        R + timedelta(days=20),
                        R + timedelta(days=45),
                        {"target": "同类产品其他产线"},
                    )
                ],
            },
            "documents": [
                {
                    "type": t,
                    "number": f"{t.upper()[:4]}-{prefix}-{rng.randint(1, 99):03d}",
                    "title": f"{pname} 相关文件",
                    "revision_from": "B",
                    "revision_to": "C",
                    "done_at": _d(R + timedelta(days=32)),
                }
                for t in rng.sample(_DOC_TYPES, 2)
            ],
        }
        r["d8_closure"] = {
            "closed_at": _ts(closed),
            "final_report_at": milestones["final_report"]["done_at"],
            "customer_accepted": True,
            "customer_accepted_at": _d(closed - timedelta(days=1)),
            "summary": "根本原因已验证，永久措施实施后连续批次零不良。",
            "lessons_learned": rng.choice(_CAUSE) + "须纳入新员工培训和变更管理。",
        }
        r["approvals"] = [
            {
                "role": "manager",
                "name": _name(rng),
                "date": _d(R + timedelta(days=31)),
                "decision": "approved",
                "subject": "reply",
            },
            {
                "role": "gm",
                "name": _name(rng),
                "date": _d(closed),
                "decision": "approved",
                "subject": "closure",
            },
        ]
    if status == "cancelled":
        r["cancellation"] = {
            "reason": "60 天未收到样品，按规定取消；样品到货后重新立案。",
            "at": _d(min(R + timedelta(days=61), AS_OF)),
            "by": _name(rng),
        }
    r["milestones"] = milestones
    if rng.random() < 0.3:
        folder = f"attachments/{rid}"
        photo = f"{folder}/defect_photo.png"
        report = f"{folder}/customer_report.txt"
        out.files[photo] = _png(rng)
        out.files[report] = (f"{cust.company} 客诉报告\n{r['description']}\n").encode()
        r["attachments"] = [
            {"path": photo, "title": "不良照片", "kind": "photo"},
            {"path": report, "title": "客户报告", "kind": "customer_report"},
        ]
        if "d2_problem" in r:
            r["d2_problem"]["photos"] = [photo]
    links = []
    if recur_of:
        links.append({"id": recur_of, "relation": "recurrence", "note": "同一问题再次发生。"})
    if parent:
        links.append({"id": parent, "relation": "recurrence", "note": "原记录，客户不认可后重开。"})
    if links:
        r["links"] = links
    return r


def _png(rng: random.Random) -> bytes:
    """A small, valid-looking binary file (a PNG signature and random bytes)."""
    return b"\x89PNG\r\n\x1a\n" + rng.randbytes(rng.randint(200, 2000))


def dump(record: dict[str, Any]) -> str:
    text = yaml.dump(
        record,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=1000,
        default_flow_style=False,
    )
    return HEADER + text


class _Dumper(yaml.CSafeDumper if hasattr(yaml, "CSafeDumper") else yaml.SafeDumper):  # type: ignore[misc]
    # Records are hand-written files: never anchors and aliases (the loader refuses them).
    def ignore_aliases(self, data: Any) -> bool:
        return True


def generate(n: int, seed: int = 20260101) -> SynthSet:
    """``n`` records received between 2024-01-02 and late 2026, deterministically for a seed."""
    rng = random.Random(f"{seed}:{n}")
    out = SynthSet()
    customers = _customers(rng, n)
    # About three records per problem key: 80 % spread evenly, 20 % Zipf-skewed so that a
    # few problems recur often (the worst about 2 % of a set), as in a real complaint log.
    keys = [
        (rng.choice(customers), prod := rng.choice(_PRODUCTS), f"{prod[1]}-{rng.randint(100, 999)}")
        for _ in range(max(5, n // 3))
    ]
    zipf = list(itertools.accumulate(1 / (i + 1) for i in range(len(keys))))
    span = (AS_OF - timedelta(days=10) - FIRST).total_seconds()
    # Received times spread evenly over the span; reopens (about 2 %) come on top of base ids.
    n_reopen = n // 50 if n >= 50 else 0
    times = sorted(FIRST + timedelta(seconds=rng.random() * span) for _ in range(n - n_reopen))
    seq: dict[int, int] = {}
    last_by_key: dict[str, str] = {}
    closed_ids: list[tuple[str, datetime, int]] = []
    records: list[tuple[str, dict[str, Any]]] = []
    for t in times:
        received = _work_time(t, rng)
        seq[received.year] = seq.get(received.year, 0) + 1
        rid = f"KS-{received.year}-{seq[received.year]:04d}"
        if rng.random() < 0.2:
            cust, prod, part = rng.choices(keys, cum_weights=zipf)[0]
        else:
            cust, prod, part = rng.choice(keys)
        pkey = f"{cust.short}/{part}/{prod[2]}"
        recur_of = last_by_key.get(pkey) if rng.random() < 0.5 else None
        status = _status(rng, (AS_OF - received).days)
        rec = _record(rng, rid, received, status, cust, prod, part, out, None, recur_of)
        last_by_key[pkey] = rid
        records.append((rid, rec))
        if status == "closed":
            closed_ids.append((rid, received, len(records) - 1))
    late = AS_OF - timedelta(days=30)
    closed_ids = [
        c
        for c in closed_ids
        if datetime.strptime(records[c[2]][1]["d8_closure"]["closed_at"], "%Y-%m-%d %H:%M") < late
    ]
    for rid, _received, idx in rng.sample(closed_ids, min(n_reopen, len(closed_ids))):
        parent = records[idx][1]
        parent["d8_closure"]["customer_accepted"] = False
        reopened = datetime.strptime(
            parent["d8_closure"]["closed_at"], "%Y-%m-%d %H:%M"
        ) + timedelta(days=5)
        status = _status(rng, (AS_OF - reopened).days)
        cust = next(c for c in customers if c.company == parent["customer"]["company"])
        prod = next(p for p in _PRODUCTS if p[0] == parent["product"]["name"])
        rec = _record(
            rng,
            f"{rid}-1",
            _work_time(reopened, rng),
            status,
            cust,
            prod,
            parent["product"]["part_number"],
            out,
            rid,
            None,
        )
        rec["problem_key"] = parent["problem_key"]
        records.append((f"{rid}-1", rec))
    for rid, rec in records:
        out.records[f"records/{rid}.yaml"] = dump(rec)
        if rec["status"] not in ("closed", "cancelled"):
            out.open_ids.append(rid)
    return out


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m bench.synth",
        description="Write N synthetic records (and their attachments) under TARGET.",
    )
    parser.add_argument("n", type=int, help="number of records, e.g. 10000")
    parser.add_argument("target", type=Path, help="folder to write records/ and attachments/ in")
    parser.add_argument("--seed", type=int, default=20260101, help="random seed (default 20260101)")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("n must be at least 1")
    generate(args.n, args.seed).write(args.target)
    print(f"wrote {args.n} records to {args.target / 'records'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
