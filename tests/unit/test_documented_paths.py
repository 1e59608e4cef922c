"""Every repository path that README.md and docs/*.md name exists, so the docs cannot point a
newcomer at a file that moved or never was, nor outside the repository."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# What the platform writes while it runs (databases, logs, results), not what the repository holds.
RUNTIME = {"var"}
TOP_LEVEL = sorted(path.name for path in ROOT.iterdir()
                   if not path.name.startswith(".") and not path.name.endswith(".egg-info")
                   and path.name not in RUNTIME)
# A path starts at a top-level entry (`shared/relay.py`, `Makefile`) or climbs out of the repository
# (`../x`); what ends it is whatever cannot be part of a file name in prose or Markdown.
NAMED_PATH = re.compile(r"(?<![\w./-])((?:\.\./)+[\w./-]+|(?:" + "|".join(map(re.escape, TOP_LEVEL))
                        + r")(?:/[\w./<>{}*-]*)?)(?![\w-])")
MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)")
# `services/<name>/`, `{var_dir}`, `bulk_sync_<n>k`: one part stands for any name.
PLACEHOLDER = re.compile(r"<[^>/]*>|\{[^}/]*\}")


def named_paths(text: str, folder: Path) -> list[str]:
    """The paths `text` names, relative to the repository; `folder` holds the document."""
    paths = [match.group(1).rstrip(".") for match in NAMED_PATH.finditer(text)]
    # a Markdown link is relative to the document that holds it
    links = [target for target in MARKDOWN_LINK.findall(text) if "://" not in target]
    return paths + [os.path.relpath(folder / target, ROOT) for target in links]


def exists(path: str) -> bool:
    if PLACEHOLDER.search(path):
        return any(ROOT.glob(PLACEHOLDER.sub("*", path).rstrip("/")))
    return (ROOT / path).exists()


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda document: document.relative_to(ROOT).as_posix())
def test_every_path_a_document_names_is_in_the_repository(document):
    paths = named_paths(document.read_text(encoding="utf-8"), document.parent)
    outside = [path for path in paths if path.startswith("..")]
    missing = [path for path in paths if not path.startswith("..") and not exists(path)]
    assert not outside, f"{document.name} names paths outside the repository: {outside}"
    assert not missing, f"{document.name} names paths that do not exist: {missing}"


def test_the_check_sees_paths_in_prose_code_and_links():
    text = "See shared/relay.py. `services/<name>/service.py`, [soak](soak.md), ../shared/x.py, <https://a.b/c>"
    assert named_paths(text, ROOT / "docs") == ["shared/relay.py", "services/<name>/service.py", "../shared/x.py",
                                                "docs/soak.md"]
    assert exists("services/<name>/service.py") and exists("docs/soak.md") and not exists("shared/nowhere.py")



def layout_entries(readme: str) -> list[str]:
    """The paths the README's layout block lists; an indented entry lies in the folder above it."""
    block = readme.split("## Layout", 1)[1].split("```", 2)[1]
    entries, folders = [], []   # folders: (indent, path) of the enclosing folders
    for line in block.splitlines()[1:]:
        name = line.split(maxsplit=1)[0] if line.strip() else "..."
        if name == "...":
            continue
        indent = len(line) - len(line.lstrip())
        while folders and folders[-1][0] >= indent:
            folders.pop()
        path = (folders[-1][1] if folders else "") + name
        entries.append(path)
        if name.endswith("/"):
            folders.append((indent, path))
    return entries


def test_every_entry_of_the_readme_layout_exists():
    entries = layout_entries((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "shared/relay.py" in entries
    assert [entry for entry in entries if not exists(entry)] == []
