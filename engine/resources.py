"""``resources/MANIFEST.json``: every shipped file with its source, licence, sha256 and the
command that rebuilds it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.paths import RESOURCES
from engine.storage import atomic_write_text, file_sha256

MANIFEST = RESOURCES / "MANIFEST.json"


def register_folder(folder: Path, source: str, licence: str, command: str,
                    manifest: Path = MANIFEST) -> dict[str, Any]:
    """Record every file under ``folder`` (replacing older entries for that folder)."""
    root = manifest.parent
    data = json.loads(manifest.read_text()) if manifest.exists() else {"files": {}}
    prefix = folder.relative_to(root).as_posix() + "/"
    files = {k: v for k, v in data["files"].items() if not k.startswith(prefix)}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        files[path.relative_to(root).as_posix()] = {
            "bytes": path.stat().st_size,
            "sha256": file_sha256(path),
            "source": source,
            "licence": licence,
            "rebuild": command,
        }
    data = {"description": "Files shipped in resources/: what each is, where it comes from, "
                           "its licence, its sha256 and the command that rebuilds it.",
            "files": dict(sorted(files.items()))}
    atomic_write_text(manifest, json.dumps(data, indent=1) + "\n")
    return data


def verify(manifest: Path = MANIFEST) -> list[str]:
    """Problems found: files missing, changed, or present but not listed."""
    root = manifest.parent
    data = json.loads(manifest.read_text())
    problems = []
    for name, entry in data["files"].items():
        path = root / name
        if not path.exists():
            problems.append(f"{name}: listed but missing")
        elif file_sha256(path) != entry["sha256"]:
            problems.append(f"{name}: sha256 differs from the manifest")
    listed = set(data["files"])
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel != "MANIFEST.json" and rel not in listed:
            problems.append(f"{rel}: present but not in MANIFEST.json")
    return problems
