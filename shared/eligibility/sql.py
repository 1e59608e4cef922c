"""A rule as an SQLAlchemy boolean expression, to find matching enterprises in the database.

It answers as `evaluate` does on SQLite and PostgreSQL. A comparison is written
`col IS NOT NULL AND col <op> value`, which is never NULL, so every leaf is true or false and
`NOT` means what it means in Python instead of turning a missing fact into NULL.
"""
from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

from shared.eligibility.rules import AllOf, AnyOf, Compare, Not, Rule, TagNode
from shared.facts import FACTS, Kind


def to_sql(
    rule: Rule,
    *,
    column: Callable[[str], ColumnElement[Any]],
    has_tag: Callable[[str], ColumnElement[bool]],
    has_code: Callable[[str, list[str]], ColumnElement[bool]],
    has_fact: Callable[[str], ColumnElement[bool]] | None = None,
) -> ColumnElement[bool]:
    """The rule as a WHERE clause over one enterprise row.

    `column(field)` is the column of a scalar fact, NULL when the fact is missing; dates are
    ISO strings. `has_tag(code)` is true when the enterprise has the tag (an EXISTS).
    `has_code(field, codes)` is true when the enterprise's list fact holds any of `codes`.
    `has_fact(field)` is true when the enterprise has a list fact at all, even an empty one; only
    `!=` on a list fact needs it (it is false when the list is missing), and without it
    `column(field) IS NOT NULL` is used.
    """
    if has_fact is None:
        def has_fact(field: str) -> ColumnElement[bool]:
            return column(field).is_not(None)
    return _Translation(column, has_tag, has_code, has_fact).clause(rule)


class _Translation:
    def __init__(
        self,
        column: Callable[[str], ColumnElement[Any]],
        has_tag: Callable[[str], ColumnElement[bool]],
        has_code: Callable[[str, list[str]], ColumnElement[bool]],
        has_fact: Callable[[str], ColumnElement[bool]],
    ) -> None:
        self.column = column
        self.has_tag = has_tag
        self.has_code = has_code
        self.has_fact = has_fact

    def clause(self, rule: Rule) -> ColumnElement[bool]:
        if isinstance(rule, TagNode):
            return self.has_tag(rule.tag)
        if isinstance(rule, Compare):
            return self.comparison(rule)
        if isinstance(rule, Not):
            return sa.not_(self.clause(rule.rule))
        parts = [self.clause(child) for child in rule.rules]
        if isinstance(rule, AllOf):
            return sa.and_(*parts) if parts else sa.true()
        if isinstance(rule, AnyOf):
            return sa.or_(*parts) if parts else sa.false()
        raise TypeError(f"not a rule node: {rule!r}")

    def comparison(self, node: Compare) -> ColumnElement[bool]:
        kind = FACTS[node.field].kind
        if kind is Kind.codes:
            if node.op == "==":
                return self.has_code(node.field, [node.value])
            if node.op == "!=":
                return sa.and_(self.has_fact(node.field), sa.not_(self.has_code(node.field, [node.value])))
            return self.has_code(node.field, list(node.value))

        column = self.column(node.field)
        # Text is compared by code point, as Python compares str, whatever the column's collation.
        compared = CodepointOrder(column) if kind is not Kind.number and node.op in (">", ">=", "<", "<=") else column
        if node.op == "in":
            test = compared.in_([_literal(item) for item in node.value])
        else:
            test = _OPERATORS[node.op](compared, _literal(node.value))
        return sa.and_(column.is_not(None), test)


_OPERATORS = {"==": operator.eq, "!=": operator.ne, ">": operator.gt,
              ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def _literal(value: Any) -> ColumnElement[Any]:
    # The value is bound with its own type: bound with the column's, PostgreSQL would cast
    # 10.5 to an integer column's type (and round it) or an amount past 2**31 to INTEGER.
    if isinstance(value, bool):
        raise TypeError("booleans are not rule values")
    if isinstance(value, int):
        return sa.literal(value, sa.BigInteger())
    if isinstance(value, float):
        return sa.literal(value, sa.Float())
    return sa.literal(value, sa.String())


class CodepointOrder(ColumnElement[Any]):
    """An expression whose string ordering is by code point (PostgreSQL `COLLATE "C"`).

    SQLite orders text by its bytes (BINARY), which for UTF-8 is already code point order.
    """

    inherit_cache = True
    _traverse_internals = [("inner", InternalTraversal.dp_clauseelement)]

    def __init__(self, expression: ColumnElement[Any]) -> None:
        self.inner = expression
        self.type = expression.type


@compiles(CodepointOrder)
def _codepoint_order(element: CodepointOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.inner, **kw)


@compiles(CodepointOrder, "postgresql")
def _codepoint_order_postgresql(element: CodepointOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return f'{compiler.process(element.inner, **kw)} COLLATE "C"'
