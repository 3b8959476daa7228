"""Precision and recall of the recurrence suggestions (``generator.compute.recurrence``, issue 16).

A synthetic set of problems, each first recorded by one engineer; some recur, written down by
another engineer the way people do: a misspelled or shortened key (``华东汽车`` for
``华东汽车电子``, ``MISWIRE`` for ``MIS-WIRE``), the description's clauses and the key's parts in
another order, traditional characters, full-width forms, or a key built another way
(``华东汽车 错线 WH-BCM-A12``, the defect code sometimes left out): only the customer, the
part number and the description are left to go by. Descriptions often end with boilerplate
that says nothing about the defect (24-hour reply, FAE on site), which makes unrelated records
look alike. These seeded near-duplicates are the pairs to find.
Look-alikes are mixed in that must not be suggested: the same customer and part number with
another defect, the same defect at another customer on another part, and the same customer
with a similar-sounding defect on another part. Every suggestion ``suggest`` makes for any
record is scored against the seeded pairs.

    python -m bench.recurrence                 # the default set (seed 16, 300 problems)
    python -m bench.recurrence --problems 1000 --seed 7
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from generator.common.model import Record
from generator.compute.recurrence import suggest
from generator.config.settings import RepoConfig
from generator.policy.loader import load_policy
from generator.policy.recordpaths import key_value

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 1, 5, 9, 0, tzinfo=TZ)
KINDS = ("misspelled_key", "word_order", "traditional", "full_width", "other_key_scheme")

_CUSTOMERS = [
    ("华东汽车电子有限公司", "华东汽车电子", "华东汽车"),
    ("星辰通信科技股份有限公司", "星辰通信", "星辰通讯"),
    ("恒力工控设备有限公司", "恒力工控", "恒力"),
    ("云图服务器科技有限公司", "云图服务器", "云图"),
    ("蓝海家电集团有限公司", "蓝海家电", "蓝海"),
    ("北辰医疗器械有限公司", "北辰医疗", "北辰医疗器械"),
    ("南方轨道交通装备有限公司", "南方轨交", "南方轨道"),
    ("金桥光电股份有限公司", "金桥光电", "金桥"),
    ("华创储能技术有限公司", "华创储能", "华创"),
    ("远航船舶电气有限公司", "远航船舶", "远航电气"),
    ("青松农机装备有限公司", "青松农机", "青松"),
    ("瑞丰照明电器有限公司", "瑞丰照明", "瑞丰"),
]
_PARTS = [
    "WH-BCM-A12",
    "SSD-SA512-25",
    "PLC-IO-16",
    "PA-65W-01",
    "NV1T-M2",
    "LED-DRV-40",
    "BMS-CTL-08",
    "MTR-DRV-3K",
    "CAM-LENS-05",
    "HV-CON-200",
    "PCB-MB-7A",
    "FAN-12V-80",
]
_DEFECTS = [
    ("MIS-WIRE", ["线束回路导线位置互换", "下线检测报信号异常", "拆检发现错线"]),
    ("NO-DETECT", ["开机不识别", "BIOS 中看不到设备", "重新上电后偶发恢复"]),
    ("CRACK", ["外壳开裂", "来料检验发现裂纹", "跌落后裂纹扩大"]),
    ("PIN-BACK", ["端子退针", "插拔后接触不良", "导通测试间歇断路"]),
    ("OVERHEAT", ["高温掉盘", "柜内温度 55℃ 时降速失效", "控制器过温报警"]),
    ("SOLDER-VOID", ["焊点空洞", "X 光检查空洞率超标", "振动试验后开路"]),
    ("LEAK", ["密封圈漏液", "保压试验压降超标", "装配后渗漏"]),
    ("NOISE", ["运转异响", "轴承噪声超标", "低速时啸叫"]),
    ("FLICKER", ["灯具闪烁", "调光时频闪", "驱动电流纹波大"]),
    ("SHORT", ["上电短路", "绝缘测试击穿", "电源板烧毁"]),
]


_BOILERPLATE = [
    "",
    "客户要求 24 小时内回复临时对策并提交 8D 报告。",
    "已安排 FAE 到现场确认，库存与在途品全部挑选。",
    "影响客户产线节拍，客户要求派人驻厂并承担挑选费用。",
]


def _boiler(rng: random.Random) -> str:
    """What many descriptions say whatever the defect: it makes unrelated texts alike."""
    return rng.choice(_BOILERPLATE)


@dataclass(slots=True)
class BenchSet:
    records: list[Record] = field(default_factory=list)
    twins: dict[frozenset[str], tuple[str, ...]] = field(default_factory=dict)
    """Each seeded pair → the ways its second record was written differently."""


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@cache
def _s2t() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def _traditional(text: str) -> str:
    return str(_s2t().convert(text))


def _record(
    rid: str,
    at: datetime,
    company: str,
    short: str,
    part: str,
    defect: str,
    words: list[str],
    key_order: tuple[int, int] = (0, 1),
    boilerplate: str = "",
) -> Record:
    rest = (part, defect)
    key = f"{short}/{rest[key_order[0]]}/{rest[key_order[1]]}"
    description = f"客户反馈 {part}：" + "，".join(words) + "。" + boilerplate
    data = {
        "id": rid,
        "title": f"{short} {part} {words[0]}",
        "received_at": f"{at:%Y-%m-%d %H:%M}",
        "status": "registered",
        "customer": {"company": company},
        "description": description,
        "product": {"name": "部件", "part_number": part},
        "defect_code": defect,
        "problem_key": key,
        "facts": {"written_report": False},
    }
    return Record(rid, f"records/{rid}.yaml", data)


def _twin(
    rng: random.Random,
    rid: str,
    at: datetime,
    customer: tuple[str, str, str],
    part: str,
    defect: str,
    words: list[str],
) -> tuple[Record, tuple[str, ...]]:
    kinds = tuple(sorted(rng.sample(KINDS, rng.randint(1, 3))))
    company, short = customer[0], customer[1]
    if "misspelled_key" in kinds:
        short = customer[2]
        defect = rng.choice([defect.replace("-", ""), defect.replace("-", "_"), defect.lower()])
    order = (0, 1)
    if "word_order" in kinds:  # the clauses, and the key's part number and defect code
        words = words[::-1] if rng.random() < 0.5 else [words[1], words[2], words[0]]
        order = (1, 0)
    if "full_width" in kinds:
        part, defect = _full_width(part), _full_width(defect)
    record = _record(rid, at, company, short, part, defect, words, order, _boiler(rng))
    if "other_key_scheme" in kinds:  # another way to build a key; the defect code may be left out
        data = dict(record.data)
        data["problem_key"] = f"{short} {words[0]} {part}"
        if rng.random() < 0.5:
            del data["defect_code"]
        record = Record(rid, record.path, data)
    if "traditional" in kinds:
        data = dict(record.data)
        for k in ("title", "description", "problem_key"):
            data[k] = _traditional(str(data[k]))
        data["customer"] = {"company": _traditional(company)}
        record = Record(rid, record.path, data)
    return record, kinds


def generate(problems: int = 300, seed: int = 16) -> BenchSet:
    """``problems`` first occurrences; about half recur as a seeded near-duplicate, and about
    a third gain each kind of look-alike."""
    rng = random.Random(seed)
    out = BenchSet()
    n = 0

    def next_id() -> str:
        nonlocal n
        n += 1
        return f"KS-2026-{n:04d}"

    combos = [
        (c, p, d)
        for c in range(len(_CUSTOMERS))
        for p in range(len(_PARTS))
        for d in range(len(_DEFECTS))
    ]
    rng.shuffle(combos)
    used = set(combos[:problems])
    for c, p, d in combos[:problems]:
        customer, part = _CUSTOMERS[c], _PARTS[p]
        defect, words = _DEFECTS[d][0], list(_DEFECTS[d][1])
        at = START + timedelta(days=rng.randint(0, 300), hours=rng.randint(0, 8))
        first = _record(
            next_id(), at, customer[0], customer[1], part, defect, words, boilerplate=_boiler(rng)
        )
        out.records.append(first)
        if rng.random() < 0.5:
            later = at + timedelta(days=rng.randint(1, 80))
            twin, kinds = _twin(rng, next_id(), later, customer, part, defect, words)
            out.records.append(twin)
            if key_value(twin, ("problem_key",)) != key_value(first, ("problem_key",)):
                out.twins[frozenset((first.id, twin.id))] = kinds  # else counted already
        for look in ("same_customer_part", "same_defect", "similar_defect_other_part"):
            if rng.random() >= 0.33:
                continue
            later = at + timedelta(days=rng.randint(1, 80))
            if look == "same_customer_part":
                d2 = (d + rng.randint(1, len(_DEFECTS) - 1)) % len(_DEFECTS)
                combo = (c, p, d2)
            elif look == "same_defect":
                combo = (
                    (c + rng.randint(1, len(_CUSTOMERS) - 1)) % len(_CUSTOMERS),
                    (p + rng.randint(1, len(_PARTS) - 1)) % len(_PARTS),
                    d,
                )
            else:
                combo = (c, (p + rng.randint(1, len(_PARTS) - 1)) % len(_PARTS), d)
            if combo in used:
                continue  # that combination is a problem of its own
            used.add(combo)
            cu, pa = _CUSTOMERS[combo[0]], _PARTS[combo[1]]
            de, wo = _DEFECTS[combo[2]][0], list(_DEFECTS[combo[2]][1])
            out.records.append(
                _record(next_id(), later, cu[0], cu[1], pa, de, wo, boilerplate=_boiler(rng))
            )
    return out


@dataclass(frozen=True, slots=True)
class Figures:
    records: int
    seeded: int
    suggested: int
    true_positives: int
    found: int
    by_kind: dict[str, tuple[int, int]]
    """Per kind of difference: seeded pairs with it, and how many of them were found."""

    @property
    def precision(self) -> float:
        return self.true_positives / self.suggested if self.suggested else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.seeded if self.seeded else 1.0


def measure(bench: BenchSet) -> Figures:
    policy, _ = load_policy(RepoConfig(root=Path(__file__).resolve().parent, preset="000"))
    assert policy is not None
    found = suggest(bench.records, bench.records, policy, TZ, grades=False)
    pairs = {frozenset((s.record, s.earlier)) for s in found}
    hits = [p for p in pairs if p in bench.twins]
    true_positives = sum(frozenset((s.record, s.earlier)) in bench.twins for s in found)
    by_kind = {}
    for kind in KINDS:
        with_kind = [p for p, kinds in bench.twins.items() if kind in kinds]
        by_kind[kind] = (len(with_kind), sum(p in pairs for p in with_kind))
    return Figures(
        len(bench.records), len(bench.twins), len(found), true_positives, len(hits), by_kind
    )


def report(fig: Figures, seed: int, problems: int) -> str:
    lines = [
        f"Recurrence suggestions, synthetic set (seed {seed}, {problems} problems, "
        f"{fig.records} records, {fig.seeded} seeded near-duplicate pairs):",
        "",
        "| measure | value |",
        "|---|---|",
        f"| suggestions made | {fig.suggested} |",
        f"| precision (suggestions that are a seeded pair) | {fig.precision:.3f} |",
        f"| recall (seeded pairs suggested) | {fig.recall:.3f} |",
        "",
        "| seeded pairs written with … | pairs | found | recall |",
        "|---|---|---|---|",
    ]
    for kind, (n, hit) in fig.by_kind.items():
        lines.append(f"| {kind.replace('_', ' ')} | {n} | {hit} | {hit / n if n else 1:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--problems", type=int, default=300)
    p.add_argument("--seed", type=int, default=16)
    args = p.parse_args(argv)
    fig = measure(generate(args.problems, args.seed))
    sys.stdout.write(report(fig, args.seed, args.problems))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
