"""PURE purchase planning: need, buy quantity, best offer, bonded first, splits, risk, excess, actions."""

from bomcheck.pricing.allocate import Plan, plan_need, release_bonded, split
from bomcheck.pricing.lines import (
    WANTS_ALTERNATE,
    StockLedger,
    need_of,
    plan_alternate,
    plan_line,
    plan_lines,
)
from bomcheck.pricing.offers import (
    Attrition,
    best_purchase,
    buy_quantity,
    distinct_stock,
    line_attrition,
    need_for,
    parse_percent,
    plan_offer,
    round_up,
    unit_price_at,
)
from bomcheck.pricing.rules import DEFAULT_RULES, Rules, parse_max_excess

__all__ = [
    "DEFAULT_RULES", "WANTS_ALTERNATE", "Attrition", "Plan", "Rules", "StockLedger", "best_purchase",
    "buy_quantity", "distinct_stock", "line_attrition", "need_for", "need_of", "parse_max_excess",
    "parse_percent",
    "plan_alternate", "plan_line", "plan_lines", "plan_need", "plan_offer", "release_bonded", "round_up",
    "split", "unit_price_at",
]
