"""The Chinese catalogue reads as Chinese is written: full-width punctuation (，：；？！（）)
next to Chinese characters, and no space between two of them.

Each msgstr is checked as a person sees it: its placeholders filled in, a name or any text
with a Chinese word and a count, time or date with digits, so that "%(name)s 的标签" fails
as the "主楼 的标签" it shows.
"""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ZH_CATALOGUE = (
    Path(__file__).resolve().parent.parent
    / "translations"
    / "zh_Hans_CN"
    / "LC_MESSAGES"
    / "messages.po"
)
HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]")
# Placeholders that stand for digits (counts, limits, numbers, times and dates); any other
# is a name or a phrase, and may be Chinese.
DIGITS = frozenset(
    [
        "count",
        "n",
        "max",
        "min",
        "low",
        "high",
        "level",
        "version",
        "current",
        "next",
        "minutes",
        "hours",
        "number",
        "page",
        "issue",
        "time",
        "starts",
        "ends",
        "start",
        "end",
        "value",
        "when",
        "day",
        "username",
        "problems",
        "done",
        "total",
    ]
)
PROBLEMS = {
    "a half-width ? , : ; or ! next to a Chinese character": re.compile(
        rf"{HAN}\s*[?,:;!]|[?,:;!]{HAN}"
    ),
    "a half-width bracket around Chinese": re.compile(rf"{HAN}\s*[()]|[()]\s*{HAN}"),
    "a space between two Chinese characters": re.compile(rf"{HAN}\s+{HAN}"),
}


def as_shown(msgstr: str) -> str:
    """The text with its placeholders filled in: digits or a Chinese word, as they would be."""
    filled = PLACEHOLDER.sub(lambda m: "1" if m.group(1) in DIGITS else "主楼", msgstr)
    return filled.replace("%%", "%")


def problems_of(msgstr: str) -> list[str]:
    shown = as_shown(msgstr)
    return [problem for problem, pattern in PROBLEMS.items() if pattern.search(shown)]


@pytest.mark.parametrize(
    ("msgstr", "found"),
    [
        ("原因?", ["a half-width ? , : ; or ! next to a Chinese character"]),
        ("服务器出错了,请重试。", ["a half-width ? , : ; or ! next to a Chinese character"]),
        ("原因: %(reason)s", ["a half-width ? , : ; or ! next to a Chinese character"]),
        ("%(item)s:最多 %(count)s 张", ["a half-width ? , : ; or ! next to a Chinese character"]),
        ("照片(最多 %(count)s 张)", ["a half-width bracket around Chinese"]),
        ("主楼 的标签", ["a space between two Chinese characters"]),
        ("%(name)s 的标签", ["a space between two Chinese characters"]),
        ("派给 %(name)s", ["a space between two Chinese characters"]),
        ("原因？", []),
        ("%(name)s的标签", []),
        ("%(count)s 条待同步", []),
        ("上次同步 %(time)s", []),
        ("共 %(count)d 张标签，每张 A4 纸六张：请打印本页（Ctrl+P）。", []),
        ("离线 · 数据更新于 %(time)s", []),
        ("100%% 完成", []),
    ],
)
def test_the_check_tells_chinese_typesetting_from_its_faults(msgstr, found):
    assert problems_of(msgstr) == found


def test_the_chinese_catalogue_uses_full_width_punctuation_and_no_spaces_between_words():
    with ZH_CATALOGUE.open("rb") as po:
        catalogue = read_po(po)
    found = []
    for message in catalogue:
        if not message.id:
            continue
        msgstrs = message.string if isinstance(message.string, tuple | list) else [message.string]
        for msgstr in msgstrs:
            found += [f"{msgstr!r}: {problem}" for problem in problems_of(msgstr or "")]
    assert found == []
