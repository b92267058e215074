"""DynamoDB update expressions in moto parsed once per distinct text and copied cheaply (local cloud only, moto pinned).

moto 5.2.5 tokenizes and parses an ``UpdateExpression`` (`UpdateExpressionParser.make`) twice per update
inside a transaction (once to check the placeholders it uses, once to apply it) and once per plain
``UpdateItem``: 13% of the moto server's CPU in the 25-worker contention benchmark (py-spy, holding
the GIL). The app's expressions are few and repeat (PynamoDB names every attribute and value ``#0``,
``:0``...), so the parse of each distinct text is kept. Sharing the parsed tree is safe because
nothing in moto changes it: the placeholder check only reads it (``find_clauses``) and moto's
validator deep-copies it before resolving names and values (`Validator.__init__`). An expression
that does not parse raises on every call, as before (a failed parse is not kept).

The validator's copy itself (``copy.deepcopy`` of the tree, ~0.9 ms for a hold's seat update, 10% of the
server's CPU) is done by `copy_tree`: a tree of moto's `Node` objects holding only ``type``, ``children``
and ``parent``, with strings, numbers, booleans or None as leaves and each parent the node above, is
rebuilt node by node, the same tree ``deepcopy`` gives (every parent link pointing into the copy); any
other value goes to ``copy.deepcopy`` as before.

Three of the validator's ten passes over the tree depend only on the expression, its attribute names
and the table's key attributes, never on the item or the values: the action counts, overlapping paths
and updates of a key attribute (`ITEM_INDEPENDENT`, ~9% of the server's CPU with their traversals). For
a parsed tree kept here they run once per (tree, names, key attributes) that passed them; an expression
that fails them is checked, and refused, every time. The other passes always run.

Condition expressions are split into tokens (`ConditionExpressionParser._lex_condition_expression`, ~4% of
the CPU: a dozen regular expressions tried at every position) once per distinct text too: each parse gets
fresh tokens of its own (new nodes with new empty child lists), everything after the split is moto's.
`tests/contract/localcloud/test_moto_expressions.py` compares the answers with stock moto's.
"""

from __future__ import annotations

import copy
from collections import deque
from typing import Any

from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.parsing import validators
from moto.dynamodb.parsing.ast_nodes import Node, UpdateExpression
from moto.dynamodb.parsing.expressions import UpdateExpressionParser
from moto.dynamodb.parsing.validators import (
    ActionCountValidator,
    OverlappingPathsValidator,
    UpdateExpressionValidator,
    UpdateHashRangeKeyValidator,
)

from scripts.localcloud.moto_patch import MotoPatch

DISTINCT_EXPRESSIONS = 4096  # far more than the app writes

_ORIGINAL_MAKE = UpdateExpressionParser.make  # bound to the class: make(expression)


def make(expression: str) -> UpdateExpression:
    tree = _parsed.get(expression)
    if tree is None:
        tree = _ORIGINAL_MAKE(expression)  # raises for an expression that does not parse: nothing kept
        if len(_parsed) >= DISTINCT_EXPRESSIONS:
            forget()  # a client sending endless new texts: start again rather than grow
        _parsed[expression] = tree
        _kept[id(tree)] = tree
    return tree


_parsed: dict[str, UpdateExpression] = {}
_kept: dict[int, UpdateExpression] = {}  # the trees `make` gave out: never changed, alive while here
ITEM_INDEPENDENT = (ActionCountValidator, OverlappingPathsValidator, UpdateHashRangeKeyValidator)
_passed: set[tuple] = set()  # (id of a kept tree, its attribute names, the table's key attributes)
_ORIGINAL_VALIDATOR_INIT = UpdateExpressionValidator.__init__


def validator_init(self: UpdateExpressionValidator, expression: Node, *args: Any, **kwargs: Any) -> None:
    _ORIGINAL_VALIDATOR_INIT(self, expression, *args, **kwargs)
    self.local_cloud_source = expression  # type: ignore[attr-defined]


def validate(self: UpdateExpressionValidator) -> Node:
    """moto's `Validator.validate` (every pass in order), skipping the item-independent ones already passed."""
    source = getattr(self, "local_cloud_source", None)
    names = tuple(sorted((self.expression_attribute_names or {}).items()))
    key = (id(source), names, tuple(self.table.table_key_attrs))
    kept = source is not None and _kept.get(id(source)) is source
    skip = kept and key in _passed
    last_independent = next((p for p in reversed(self.processors) if isinstance(p, ITEM_INDEPENDENT)), None)
    node = self.node_to_validate
    for processor in self.processors:
        if skip and isinstance(processor, ITEM_INDEPENDENT):
            continue
        node = processor.traverse(node)
        if kept and processor is last_independent:
            _passed.add(key)  # every item-independent pass is behind: this tree passed them with these names
    return node


_ORIGINAL_LEX = ConditionExpressionParser._lex_condition_expression
_condition_tokens: dict[str, tuple] = {}


def lex_condition_expression(self: ConditionExpressionParser) -> deque:
    tokens = _condition_tokens.get(self.condition_expression)
    if tokens is None:
        tokens = tuple(_ORIGINAL_LEX(self))  # raises for a text that does not split: nothing kept
        if len(_condition_tokens) >= DISTINCT_EXPRESSIONS:
            _condition_tokens.clear()
        _condition_tokens[self.condition_expression] = tokens
    return deque(token._replace(children=[]) for token in tokens)


def forget() -> None:
    """Drop every kept parse and every remembered pass (tests; a cache over DISTINCT_EXPRESSIONS only evicts)."""
    _parsed.clear()
    _kept.clear()
    _condition_tokens.clear()
    _passed.clear()


NODE_ATTRIBUTES = frozenset({"type", "children", "parent"})
LEAVES = (str, int, float, bool, type(None))


class _NotATree(Exception):
    """The value is not a plain expression tree: copy it with ``copy.deepcopy``."""


def copy_tree(value: Any, memo: dict | None = None) -> Any:
    """``copy.deepcopy(value)``, rebuilt node by node when `value` is a plain expression tree."""
    if memo is None and isinstance(value, Node):
        try:
            return _copy_node(value, None, None, set())
        except _NotATree:
            pass
    return copy.deepcopy(value, memo)


def _copy_node(node: Node, parent: Node | None, twin_parent: Node | None, seen: set[int]) -> Node:
    """The copy of `node`, whose parent must be `parent` (copied as `twin_parent`); each node seen once."""
    if node.__dict__.keys() != NODE_ATTRIBUTES or node.parent is not parent or id(node) in seen:
        raise _NotATree
    seen.add(id(node))
    twin = object.__new__(type(node))
    twin.type, twin.parent = node.type, twin_parent
    children = node.children
    if children is None:
        twin.children = None
        return twin
    if type(children) is not list:
        raise _NotATree
    twin.children = []
    for child in children:
        if isinstance(child, Node):
            twin.children.append(_copy_node(child, node, twin, seen))
        elif isinstance(child, LEAVES):
            twin.children.append(child)
        else:
            raise _NotATree
    return twin


PATCH = MotoPatch(
    (UpdateExpressionParser, "make", staticmethod(make)),
    (validators, "deepcopy", copy_tree),
    (UpdateExpressionValidator, "__init__", validator_init),
    (UpdateExpressionValidator, "validate", validate),
    (ConditionExpressionParser, "_lex_condition_expression", lex_condition_expression),
)
install, uninstall, installed, parsed_once = PATCH.install, PATCH.uninstall, PATCH.installed, PATCH.active
