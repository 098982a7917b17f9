"""The interface catalogs are complete: Chinese first, English second.

A string marked for translation in the code or templates but missing from a catalog, left
fuzzy or empty, or copied untranslated into the Chinese catalog fails here, by name. After
changing strings run ``make extract`` and fill the new entries of both catalogs.
"""

import re
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = PROJECT_ROOT / "translations"
LOCALES = ["zh_Hans_CN", "en"]
# The same keywords as ``make extract``, besides Babel's defaults (_, gettext, ngettext...).
EXTRA_KEYWORDS = ["_l", "lazy_gettext"]

PLACEHOLDER = re.compile(r"%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]")
LETTER = re.compile(r"[A-Za-z]")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Strings that rightly stay in Latin letters in Chinese (brand names, units...): none yet.
STAYS_LATIN: frozenset[str] = frozenset()


@cache
def catalog(locale: str) -> Catalog:
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


def entries(locale: str) -> list[Message]:
    return [message for message in catalog(locale) if message.id]


def forms(value: str | tuple) -> tuple[str, ...]:
    """A message's id or string as a tuple: plural entries have several forms."""
    return value if isinstance(value, tuple) else (value,)


def key(message: Message) -> tuple[str, str | None]:
    return forms(message.id)[0], message.context


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def msgid_for_form(message: Message, index: int) -> str:
    """The msgid a translated form answers: with one form only (Chinese), the plural one."""
    ids, strings = forms(message.id), forms(message.string)
    return ids[-1] if len(strings) == 1 else ids[min(index, len(ids) - 1)]


def extract(output: Path) -> Catalog:
    """Collect the marked strings as ``make extract`` does, into ``output``."""
    command = [sys.executable, "-m", "babel.messages.frontend", "-q", "extract"]
    command += ["-F", str(PROJECT_ROOT / "babel.cfg"), "-o", str(output)]
    for keyword in EXTRA_KEYWORDS:
        command += ["-k", keyword]
    done = subprocess.run(command + ["."], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, f"pybabel extract failed:\n{done.stderr}"
    with open(output, "rb") as handle:
        return read_po(handle)


def test_every_marked_string_is_in_both_catalogs(tmp_path):
    extracted = {key(message): message for message in extract(tmp_path / "messages.pot")}
    extracted.pop(("", None), None)
    assert extracted, "extraction found no strings: is babel.cfg still right?"
    missing = {}
    for locale in LOCALES:
        present = {key(entry) for entry in entries(locale)}
        missing[locale] = sorted(
            f"{msgid!r} ({', '.join(f'{path}:{line}' for path, line in message.locations)})"
            for (msgid, context), message in extracted.items()
            if (msgid, context) not in present
        )
    assert missing == dict.fromkeys(LOCALES, []), (
        "untranslated strings; run `make extract` and translate them:\n"
        + "\n".join(f"{locale}: {name}" for locale, names in missing.items() for name in names)
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_no_entry_is_fuzzy_or_empty(locale):
    assert not catalog(locale).fuzzy, f"the {locale} catalog's header is marked fuzzy"
    fuzzy = [message.id for message in entries(locale) if message.fuzzy]
    empty = [message.id for message in entries(locale) if not all(forms(message.string or ""))]
    assert fuzzy == [], f"fuzzy entries in {locale}: {fuzzy}"
    assert empty == [], f"empty entries in {locale}: {empty}"


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_match_the_msgid(locale):
    wrong = [
        (message.id, message.string)
        for message in entries(locale)
        for index, text in enumerate(forms(message.string))
        if text and placeholders(text) != placeholders(msgid_for_form(message, index))
    ]
    assert wrong == [], f"placeholders differ from the msgid in {locale}: {wrong}"


def test_chinese_strings_are_translated():
    copied = [
        (message.id, message.string)
        for message in entries("zh_Hans_CN")
        if forms(message.id)[0] not in STAYS_LATIN
        and LETTER.search(PLACEHOLDER.sub("", forms(message.id)[0]))
        and not all(CJK.search(PLACEHOLDER.sub("", text)) for text in forms(message.string))
    ]
    assert copied == [], f"zh_Hans_CN entries without Chinese characters: {copied}"


def test_english_strings_are_the_msgids():
    differing = [
        (message.id, message.string)
        for message in entries("en")
        if forms(message.string) != forms(message.id)[: len(forms(message.string))]
    ]
    assert differing == [], f"en entries that differ from their msgid: {differing}"
