"""Write (or ``--check``) the merge template and the IAM policy files from the code's single definitions.

    python -m infrastructure.build            # make template
    python -m infrastructure.build --check    # exit 1 naming each stale file

Models and queues are read from their registries at run time, and the Chalice app is imported the way
``chalice package`` imports it, so a new table, queue or Lambda function shows up on the next run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from chalicelib.adapters.dynamodb import tables
from chalicelib.adapters.queues import ALL_QUEUES
from infrastructure import iam
from infrastructure.chalice_app import read_app, stage_configs
from infrastructure.template import merge_template, stage_prefixes

PROJECT_DIR = Path(__file__).resolve().parent.parent
TEMPLATE_STAGE = "dev"  # the stage whose prefixes are the template parameters' defaults
TEMPLATE_PATH = Path("infrastructure") / "resources.json"
REGENERATE = "make template"


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def generate(project_dir: Path = PROJECT_DIR) -> dict[Path, str]:
    """Relative path -> the content the code's definitions call for."""
    shape = read_app(project_dir, TEMPLATE_STAGE)
    models = tables.all_models()
    files = {TEMPLATE_PATH: render(merge_template(shape, models, ALL_QUEUES))}
    for stage in stage_configs(project_dir):
        if not stage.manages_policy_file:
            continue
        table_prefix, queue_prefix = stage_prefixes(stage)
        scope = iam.file_scope(
            models,
            ALL_QUEUES,
            stage.api_gateway_stage if shape.websocket_stage else None,
            table_prefix=table_prefix,
            queue_prefix=queue_prefix,
            function_prefix=f"{stage.app_name}-{stage.name}",
        )
        files[Path(".chalice") / stage.policy_file] = render(iam.document(scope))
    return files


def stale_files(project_dir: Path = PROJECT_DIR) -> list[Path]:
    stale = []
    for path, content in generate(project_dir).items():
        target = project_dir / path
        if not target.exists() or target.read_text() != content:
            stale.append(path)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a generated file is stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        if stale:
            names = ", ".join(str(path) for path in stale)
            sys.stderr.write(
                f"{names}: out of date with the models, queues or app. Run `{REGENERATE}` and commit the result.\n"
            )
            return 1
        return 0
    for path, content in generate().items():
        target = PROJECT_DIR / path
        if not target.exists() or target.read_text() != content:
            target.write_text(content)
            sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
