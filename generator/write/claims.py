"""The registry of output paths: every file a build writes is claimed here before it is staged.

A claim is refused, and reported once the whole site has been claimed, when the path is one of
the writer's own names, has a name too long to stage, is claimed twice (also in another case
or Unicode form, which a case-insensitive host serves as one), or is a file for one owner and
a folder for another.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from generator.errors import Problem
from generator.outputs import Output

# The writer's own names in output/: the manifest, the journal of a commit, staged files.
RESERVED_PREFIX = ".gazette-"
TEMP_SUFFIX = ".gazette-tmp"
# A file system allows 255 bytes a name; staging adds a dot before it and the suffix after it.
NAME_BYTES = 255 - 1 - len(TEMP_SUFFIX)
# A system call takes a path of at most 4096 bytes, its NUL included.
PATH_BYTES = 4095


@dataclass(frozen=True)
class Claim:
    path: str
    origin: str
    line: int | None


def is_reserved(name: str) -> bool:
    """Return True if a file or folder name is one the writer keeps for itself."""
    folded = name.casefold()
    return folded.startswith(RESERVED_PREFIX) or folded.endswith(TEMP_SUFFIX)


def _key(path: str) -> str:
    return unicodedata.normalize("NFC", path).casefold()


class Claims:
    """The output paths of one build, with their owners.

    `claim` answers at once whether a file may be staged, so two owners never stage the same
    temporary name or a file where another needs a folder; `problems` reports every refused
    claim from the complete set, so the messages do not depend on the order files arrived in.
    """

    def __init__(self, root: str = "") -> None:
        """`root`: the output folder's path, ending in a separator."""
        # The room a path has below `root`, staged with a dot and the suffix added.
        self.room = PATH_BYTES - len(root.encode("utf-8")) - 1 - len(TEMP_SUFFIX)
        self.claims: list[Claim] = []
        self.files: dict[str, str] = {}  # key -> path of the first claim
        self.folders: set[str] = set()  # keys of the folders the claimed files need
        self.refused = False

    def claim(self, item: Output) -> bool:
        """Record `item` as writing its path; return True if it may be staged."""
        self.claims.append(Claim(item.path, item.origin, item.line))
        key = _key(item.path)
        names = item.path.split("/")
        ok = (
            key not in self.files
            and key not in self.folders
            and not any(is_reserved(n) or len(n.encode("utf-8")) > NAME_BYTES for n in names)
            and len(item.path.encode("utf-8")) <= self.room
        )
        parents = [key.rsplit("/", depth)[0] for depth in range(1, key.count("/") + 1)]
        ok = ok and not any(p in self.files for p in parents)
        if ok:
            self.files[key] = item.path
            self.folders.update(parents)
        self.refused = self.refused or not ok
        return ok

    def origins(self) -> dict[str, str]:
        """Return output path -> origin of every claim."""
        return {c.path: c.origin for c in self.claims}

    def problems(self, describe: Callable[[str], str]) -> list[Problem]:
        """Return every refused claim as a problem, sorted; `describe` names an origin."""
        if not self.refused:
            return []

        def where(claim: Claim) -> str:
            name = describe(claim.origin)
            return f"{name}:{claim.line}" if claim.line else name

        found: set[Problem] = set()
        by_key: dict[str, list[Claim]] = {}
        for claim in self.claims:
            by_key.setdefault(_key(claim.path), []).append(claim)
        for claim in self.claims:
            size = len(claim.path.encode("utf-8"))
            if size > self.room:
                message = f"cannot write /{claim.path[:40]}...: the path is {size} bytes, and "
                message += f"the output folder takes at most {self.room}"
                found.add(Problem(describe(claim.origin), claim.line, message))
            for name in claim.path.split("/"):
                size = len(name.encode("utf-8"))
                if is_reserved(name):
                    message = f"cannot write /{claim.path}: {name!r} is a name Gazette keeps "
                    message += "for its own files in the output folder"
                elif size > NAME_BYTES:
                    message = f"cannot write /{claim.path}: the name {name[:40]!r}... is "
                    message += f"{size} bytes, and the output folder takes at most {NAME_BYTES}"
                else:
                    continue
                found.add(Problem(describe(claim.origin), claim.line, message))
        for owners in by_key.values():
            first, *others = sorted(owners, key=lambda c: (c.origin, c.line or 0, c.path))
            for other in others:
                message = f"writes /{first.path}, as does {where(other)}"
                found.add(Problem(describe(first.origin), first.line, message))
        for key, owners in by_key.items():
            for depth in range(1, key.count("/") + 1):
                parent = key.rsplit("/", depth)[0]
                for deep in owners:
                    for shallow in by_key.get(parent, ()):
                        message = (
                            f"writes /{deep.path}, which needs a folder where "
                            f"{where(shallow)} writes the file /{shallow.path}"
                        )
                        found.add(Problem(describe(deep.origin), deep.line, message))
        return sorted(found, key=lambda p: (p.path, p.line or 0, p.message))
