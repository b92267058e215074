"""DynamoDB update expressions parsed once per distinct text in moto (local cloud only, moto pinned).

moto 5.2.5 tokenizes and parses an ``UpdateExpression`` (`UpdateExpressionParser.make`) twice per update
inside a transaction (once to check the placeholders it uses, once to apply it) and once per plain
``UpdateItem``: 13% of the moto server's CPU in the 25-worker contention benchmark (py-spy, holding
the GIL). The app's expressions are few and repeat (PynamoDB names every attribute and value ``#0``,
``:0``...), so the parse of each distinct text is kept. Sharing the parsed tree is safe because
nothing in moto changes it: the placeholder check only reads it (``find_clauses``) and moto's
validator deep-copies it before resolving names and values (`Validator.__init__`). An expression
that does not parse raises on every call, as before (a failed parse is not kept).
`tests/contract/localcloud/test_moto_expressions.py` compares the answers with stock moto's.
"""

from __future__ import annotations

from functools import lru_cache

from moto.dynamodb.parsing.ast_nodes import UpdateExpression
from moto.dynamodb.parsing.expressions import UpdateExpressionParser

from scripts.localcloud.moto_patch import MotoPatch

DISTINCT_EXPRESSIONS = 4096  # far more than the app writes; a client sending endless new texts only evicts

_ORIGINAL_MAKE = UpdateExpressionParser.make  # bound to the class: make(expression)


@lru_cache(maxsize=DISTINCT_EXPRESSIONS)
def make(expression: str) -> UpdateExpression:
    return _ORIGINAL_MAKE(expression)


PATCH = MotoPatch((UpdateExpressionParser, "make", staticmethod(make)))
install, uninstall, installed, parsed_once = PATCH.install, PATCH.uninstall, PATCH.installed, PATCH.active
