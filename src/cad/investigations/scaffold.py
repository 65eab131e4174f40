"""``make new-investigation NAME=...``: a new investigation package that passes the package
checks, registered, with a placeholder test that fails until the investigation is written."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from cad.errors import CADError

__all__ = ["ScaffoldError", "main", "scaffold"]

NAME = re.compile(r"^[a-z][a-z0-9]{2,62}$")


class ScaffoldError(CADError):
    """The name is invalid or taken, or the tree is not CAD's."""


def _class_name(name: str) -> str:
    return name[:1].upper() + name[1:]


def _files(name: str) -> dict[str, str]:
    cls = _class_name(name)
    return {
        "__init__.py": f'"""{name}: describe the alert it handles.\n\n'
        "The class is in ``investigation``; the package imports nothing, so that ``checks`` "
        'loads\nwithout the clients."""\n',
        "checks.py": f'"""{name}\'s decisions, as pure functions (test them with tables)."""\n\n'
        "from __future__ import annotations\n\n__all__: list[str] = []\n",
        "investigation.py": f'"""{name}: orchestration; decisions live in checks.py."""\n\n'
        "from __future__ import annotations\n\n"
        "from cad.actions import escalate, note_and_report_from\n"
        "from cad.domain import Stage\n"
        "from cad.investigations.framework.base import Investigation, Result\n"
        "from cad.investigations.framework.resources import Resources\n\n\n"
        f"class {cls}(Investigation):\n"
        f'    """Describe what {name} looks at and decides."""\n\n'
        f'    name = "{name}"\n'
        f'    description = "Describe {name} in one line"\n'
        "    default_stage = Stage.INFORMING  # graduate to ACTIONING once trusted\n\n"
        "    def run(self, resources: Resources) -> Result:\n"
        "        notes = resources.notes()\n"
        '        notes.warning("This investigation does not decide anything yet.")\n'
        "        return Result(\n"
        "            actions=[\n"
        "                *note_and_report_from(notes, resources.cluster.id, self.name),\n"
        f'                escalate("{name}: no automated decision yet"),\n'
        "            ]\n"
        "        )\n",
        "metadata.yaml": f"name: {name}\nrbac:\n  roles: []\n  clusterRoleRules: []\n"
        "customerDataAccess: false\n",
        "README.md": f"# {name}\n\n## Alert\n\nWhich PagerDuty alert triggers it.\n\n"
        "## Logic\n\nWhat it reads and how it decides.\n\n## Outcomes\n\n"
        "| Condition | Actions |\n|---|---|\n| (none yet) | report + note + escalate |\n\n"
        "## Reproduce in the sandbox\n\nThe scenario that shows each outcome.\n",
    }


def _register(registry: Path, name: str) -> None:
    text = registry.read_text()
    cls = _class_name(name)
    text = text.replace(
        "from cad.investigations.framework.registry import Registry\n",
        f"from cad.investigations.framework.registry import Registry\n"
        f"from cad.investigations.{name}.investigation import {cls}\n",
    )
    registered = re.search(r"REGISTRY = Registry\(\s*\[(.*?)\]\s*\)", text, re.S)
    if registered is None:
        raise ScaffoldError(f"cannot find the REGISTRY list in {registry}")
    names = [n.strip() for n in registered.group(1).split(",") if n.strip()] + [cls]
    listing = f"REGISTRY = Registry([{', '.join(names)}])"
    if len(listing) > 100:  # laid out as ruff format lays out a long list
        listing = (
            "REGISTRY = Registry(\n    [\n" + "".join(f"        {n},\n" for n in names) + "    ]\n)"
        )
    text = text.replace(registered.group(0), listing)
    registry.write_text(text)


def scaffold(name: str, root: Path) -> list[Path]:
    """Create the package, its placeholder test and its registration; return new files."""
    if not NAME.match(name):
        raise ScaffoldError(
            f"invalid name {name!r}: lower-case letters and digits, 3 to 63 characters, "
            "starting with a letter (it must equal the original's investigation name)"
        )
    package = root / "src" / "cad" / "investigations" / name
    registry = root / "src" / "cad" / "investigations" / "registry.py"
    if not registry.is_file():
        raise ScaffoldError(f"{root} is not a CAD checkout (no {registry.relative_to(root)})")
    if package.exists():
        raise ScaffoldError(f"investigation {name!r} already exists at {package}")
    package.mkdir(parents=True)
    created = []
    for filename, content in _files(name).items():
        path = package / filename
        path.write_text(content)
        created.append(path)
    test = root / "tests" / "investigations" / f"test_{name}.py"
    test.write_text(
        f'"""{name}: every outcome, with exact actions."""\n\nimport pytest\n\n\n'
        f"def test_{name}_has_tests_for_every_outcome() -> None:\n"
        f'    pytest.fail("write the tests of {name}: one per outcome in its README")\n'
    )
    created.append(test)
    _register(registry, name)
    return created


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m cad.investigations.scaffold NAME [ROOT]``."""
    args = sys.argv[1:] if argv is None else argv
    if not args or not args[0]:
        print("usage: make new-investigation NAME=<name>", file=sys.stderr)
        return 2
    root = Path(args[1]) if len(args) > 1 else Path.cwd()
    try:
        created = scaffold(args[0], root)
    except ScaffoldError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in created:
        print(f"created {path.relative_to(root)}")
    print("registered in src/cad/investigations/registry.py; see docs/adding-an-investigation.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
