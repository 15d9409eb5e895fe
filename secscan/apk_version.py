"""Alpine's package version order, as apk-tools compares versions (``apk version -t``).

univers' AlpineLinuxVersion refuses the ``_git``, ``_cvs``, ``_svn`` and ``_hg`` suffixes
Alpine uses (musl is ``1.2.4_git20230717-r4``), so the order is implemented here:

``<digits>(.<digits>)*<letter>?(_<suffix><digits>?)*(~<hash>)?(-r<digits>)?``

compared part by part: the numbers (as integers; a version with more numbers is the greater
when the shared ones are equal), then the optional letter (none is lowest), then the suffixes
in apk's order ``alpha < beta < pre < rc < (none) < cvs < svn < git < hg < p``, each with its
number, then the ``-r`` revision (none is 0). A commit hash does not take part.
"""

from __future__ import annotations

import re
from functools import total_ordering

SUFFIX_ORDER = {"alpha": 0, "beta": 1, "pre": 2, "rc": 3, "cvs": 5, "svn": 6, "git": 7, "hg": 8, "p": 9}
NO_SUFFIX = (4, 0)
PATTERN = re.compile(
    r"(?P<numbers>\d+(?:\.\d+)*)(?P<letter>[a-z]?)"
    r"(?P<suffixes>(?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*)"
    r"(?:~[0-9a-f]+)?(?:-r(?P<revision>\d+))?"
)
SUFFIX = re.compile(r"_([a-z]+)(\d*)")


@total_ordering
class ApkVersion:
    def __init__(self, value: str) -> None:
        match = PATTERN.fullmatch(value)
        if match is None:
            raise ValueError(f"{value!r} is not an apk version")
        self.value = value
        self.numbers = tuple(int(part) for part in match["numbers"].split("."))
        self.letter = match["letter"]
        self.suffixes = tuple(
            (SUFFIX_ORDER[name], int(number or 0)) for name, number in SUFFIX.findall(match["suffixes"])
        )
        self.revision = int(match["revision"] or 0)

    def _key(self) -> tuple:
        return self.numbers, self.letter, self.suffixes, self.revision

    def _compare(self, other: ApkVersion) -> int:
        for mine, theirs in zip(self.numbers, other.numbers, strict=False):
            if mine != theirs:
                return -1 if mine < theirs else 1
        if len(self.numbers) != len(other.numbers):
            return -1 if len(self.numbers) < len(other.numbers) else 1
        if self.letter != other.letter:
            return -1 if self.letter < other.letter else 1
        length = max(len(self.suffixes), len(other.suffixes))
        mine_s = self.suffixes + (NO_SUFFIX,) * (length - len(self.suffixes))
        theirs_s = other.suffixes + (NO_SUFFIX,) * (length - len(other.suffixes))
        if mine_s != theirs_s:
            return -1 if mine_s < theirs_s else 1
        if self.revision != other.revision:
            return -1 if self.revision < other.revision else 1
        return 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApkVersion) and self._compare(other) == 0

    def __lt__(self, other: ApkVersion) -> bool:
        return self._compare(other) < 0

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"ApkVersion({self.value!r})"
