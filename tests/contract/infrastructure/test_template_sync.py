"""The committed template and policy files are what the code's definitions produce now.

The generator imports app.py the way ``chalice package`` does (it changes os.environ), so it runs in a
process of its own here, as a person runs it.
"""

from __future__ import annotations

import sys
import textwrap

from infra_support import run


def test_the_committed_template_and_policies_match_the_models_queues_and_app():
    result = run([sys.executable, "-m", "infrastructure.build", "--check"])

    assert result.returncode == 0, result.stderr


def test_a_new_model_makes_the_committed_template_stale_and_says_how_to_fix_it():
    # Given a table added to the registry after the template was generated
    script = textwrap.dedent(
        """
        import sys
        from pynamodb.attributes import UnicodeAttribute
        from chalicelib.adapters.dynamodb import models
        from chalicelib.adapters.dynamodb.base import CinemaModel
        from infrastructure import build

        class LateItem(CinemaModel):
            class Meta(CinemaModel.Meta):
                table_name = "late_arrivals"

            id = UnicodeAttribute(hash_key=True)

        models.ALL.append(LateItem)
        generated = build.generate()[build.TEMPLATE_PATH]
        assert '"${TablePrefix}late_arrivals"' in generated, "the generator did not pick up the new model"
        sys.exit(build.main(["--check"]))
        """
    )

    # When the check runs
    result = run([sys.executable, "-c", script])

    # Then it fails, naming the stale file and the command that regenerates it
    assert result.returncode == 1, result.stderr
    assert "infrastructure/resources.json" in result.stderr
    assert "make template" in result.stderr
