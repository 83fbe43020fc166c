"""The dbt project's manifest (``dbt_project/target/manifest.json``): what the Dagster
definitions are made from, and the column descriptions of the data dictionary and the bulletin.

Written by ``dbt parse``, which opens no database, when the project changed since it was
written (or there is none yet) — a dbt process of its own, so that a command that needs only
the manifest (``plantrack report``) loads neither Dagster nor dagster-dbt."""

from __future__ import annotations

import subprocess

from .layout import DBT_DIR, DBT_EXECUTABLE

MANIFEST = DBT_DIR / "target" / "manifest.json"


def manifest_is_stale() -> bool:
    """No manifest, or a file of the project newer than it."""
    if not MANIFEST.exists():
        return True
    built = MANIFEST.stat().st_mtime
    sources = [DBT_DIR / "dbt_project.yml", DBT_DIR / "profiles.yml",
               *[p for d in ("models", "seeds", "macros", "tests") for p in (DBT_DIR / d).rglob("*")]]
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


def prepare_manifest() -> None:
    """`dbt parse` into dbt_project/target when the manifest is stale. Raises
    subprocess.CalledProcessError (with dbt's output) when dbt cannot parse the project."""
    if manifest_is_stale():
        # dbt's log beside the manifest (dbt_project/target), not a logs/ folder in the project
        subprocess.run([str(DBT_EXECUTABLE), "parse", "--quiet", "--project-dir", str(DBT_DIR),
                        "--profiles-dir", str(DBT_DIR), "--target-path", str(MANIFEST.parent),
                        "--log-path", str(MANIFEST.parent)],
                       cwd=DBT_DIR, check=True, capture_output=True, text=True)
