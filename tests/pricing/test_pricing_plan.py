"""Planner cases as small tables, each worked out by hand: offers in, purchases and shortage out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bomcheck.model import BomLine, LineStatus, Lookup, LookupStatus, Offer, PipelineDelivery, PriceBreak
from bomcheck.pricing import Attrition, need_of, plan_line, plan_lines, plan_need

D = Decimal


def offers_table(text: str) -> list[Offer]:
    """Rows of `seller stock moq mult breaks flags`; breaks `1:0.50,10:0.40` or `-`; flags
    comma-separated from ncnr, bonded, a currency code, lead=N, due=DATE:QTY, or `-`."""
    rows = [row.split() for row in text.strip().splitlines()]
    assert rows[0] == ["seller", "stock", "moq", "mult", "breaks", "flags"]
    offers = []
    for seller, stock, moq, mult, breaks, flags in rows[1:]:
        kw: dict = {"currency": "USD"}
        for flag in [] if flags == "-" else flags.split(","):
            if flag in ("ncnr", "bonded"):
                kw[flag] = True
            elif flag.startswith("lead="):
                kw["lead_time_weeks"] = int(flag[5:])
            elif flag.startswith("due="):
                date, qty = flag[4:].split(":")
                kw["pipeline"] = (PipelineDelivery(date, int(qty)),)
            else:
                kw["currency"] = flag
        ladder = () if breaks == "-" else tuple(
            PriceBreak(int(q), D(p)) for q, p in (b.split(":") for b in breaks.split(",")))
        source = "DigiKey Bonded" if kw.get("bonded") else "Arrow"
        offers.append(Offer(source=source, seller=seller, mpn="X", manufacturer="M", sku=seller,
                            stock=int(stock), moq=int(moq), multiple=int(mult), breaks=ladder, **kw))
    return offers


def purchases_table(text: str) -> list[tuple[str, int, Decimal | None, Decimal | None]]:
    """Rows of `seller qty unit ext` (`-` for no price)."""
    rows = [row.split() for row in text.strip().splitlines()]
    assert rows[0] == ["seller", "qty", "unit", "ext"]
    return [(s, int(q), None if u == "-" else D(u), None if e == "-" else D(e)) for s, q, u, e in rows[1:]]


LADDER = "1:1.00,10:0.95,100:0.90"

# name: (need, offers, expected purchases, expected shortage)
CASES = {
    "MOQ above need: buy the MOQ": (20, """
        seller stock moq mult breaks flags
        A      1000  100 1    1:0.10 -
        """, """
        seller qty unit ext
        A      100 0.10 10.00
        """, 0),
    "order multiple: 130 rounds up to 3 x 50": (130, """
        seller stock moq mult breaks flags
        A      1000  1   50   1:0.20 -
        """, """
        seller qty unit ext
        A      150 0.20 30.00
        """, 0),
    "first break above need and MOQ: buy the first break": (5, """
        seller stock moq mult breaks  flags
        A      1000  1   1    25:0.04 -
        """, """
        seller qty unit ext
        A      25  0.04 1.00
        """, 0),
    "just below break 10: 9 x 1.00 = 9.00 < 10 x 0.95 = 9.50, no buy-up": (9, f"""
        seller stock moq mult breaks   flags
        A      1000  1   1    {LADDER} -
        """, """
        seller qty unit ext
        A      9   1.00 9.00
        """, 0),
    "on break 10": (10, f"""
        seller stock moq mult breaks   flags
        A      1000  1   1    {LADDER} -
        """, """
        seller qty unit ext
        A      10  0.95 9.50
        """, 0),
    "buy-up that saves: 99 x 0.95 = 94.05 > 100 x 0.90 = 90.00": (99, f"""
        seller stock moq mult breaks   flags
        A      1000  1   1    {LADDER} -
        """, """
        seller qty unit ext
        A      100 0.90 90.00
        """, 0),
    "buy-up that does not save: 89 x 0.95 = 84.55 < 90.00": (89, f"""
        seller stock moq mult breaks   flags
        A      1000  1   1    {LADDER} -
        """, """
        seller qty unit ext
        A      89  0.95 84.55
        """, 0),
    "on break 100": (100, f"""
        seller stock moq mult breaks   flags
        A      1000  1   1    {LADDER} -
        """, """
        seller qty unit ext
        A      100 0.90 90.00
        """, 0),
    "stock caps the buy-up: 100 would be cheaper but only 99 are there": (99, f"""
        seller stock moq mult breaks   flags
        A      99    1   1    {LADDER} -
        """, """
        seller qty unit  ext
        A      99  0.95  94.05
        """, 0),
    "stock cap: the cheap offer cannot cover 500, the dearer one can": (500, """
        seller stock moq mult breaks flags
        A      300   1   1    1:0.10 -
        B      10000 1   1    1:0.20 -
        """, """
        seller qty unit ext
        B      500 0.20 100.00
        """, 0),
    "lowest extended cost wins, not lowest unit price: reel 2500 x 0.02 = 50 > tape 20": (100, """
        seller stock moq  mult breaks          flags
        reel   9000  2500 2500 2500:0.02       -
        tape   9000  1    1    1:0.30,100:0.20 -
        """, """
        seller qty unit ext
        tape   100 0.20 20.00
        """, 0),
    "split, cheapest first: 300 + 150 + a full multiple of 100 for the last 50": (500, """
        seller stock moq mult breaks flags
        C      100   100 100  1:0.15 -
        A      300   1   1    1:0.10 -
        B      150   1   1    1:0.12 -
        """, """
        seller qty unit ext
        A      300 0.10 30.00
        B      150 0.12 18.00
        C      100 0.15 15.00
        """, 0),
    "split that still falls short": (500, """
        seller stock moq mult breaks flags
        A      300   1   1    1:0.10 -
        B      100   1   1    1:0.12 -
        """, """
        seller qty unit ext
        A      300 0.10 30.00
        B      100 0.12 12.00
        """, 100),
    "split skips an offer whose stock is below its MOQ": (500, """
        seller stock moq  mult breaks flags
        A      300   1    1    1:0.10 -
        B      400   1000 1    1:0.01 -
        """, """
        seller qty unit ext
        A      300 0.10 30.00
        """, 200),
    "bonded first, even when the open market is cheaper; the rest from the market": (100, """
        seller stock moq mult breaks flags
        A      10000 1   1    1:0.01 -
        bond   60    1   1    1:0.05 bonded
        """, """
        seller qty unit ext
        bond   60  0.05 3.00
        A      40  0.01 0.40
        """, 0),
    "bonded release minimum: need 30, release at least 100": (30, """
        seller stock moq mult breaks flags
        bond   500   100 1    1:0.05 bonded
        A      10000 1   1    1:0.01 -
        """, """
        seller qty unit ext
        bond   100 0.05 5.00
        """, 0),
    "bonded stock below its release minimum is not released": (30, """
        seller stock moq mult breaks flags
        bond   50    100 1    1:0.05 bonded
        A      10000 1   1    1:0.01 -
        """, """
        seller qty unit ext
        A      30  0.01 0.30
        """, 0),
    "NCNR is planned like any offer (and flagged)": (10, """
        seller stock moq mult breaks flags
        A      1000  100 1    1:0.10 ncnr
        """, """
        seller qty unit ext
        A      100 0.10 10.00
        """, 0),
    "zero stock anywhere: the cheapest backorder, all of it short": (50, """
        seller stock moq mult breaks flags
        A      0     1   1    1:0.20 lead=12,due=2026-12-01:200
        B      0     1   1    1:0.25 lead=4
        """, """
        seller qty unit ext
        A      50  0.20 10.00
        """, 50),
    "no price breaks: nothing can be planned at a price": (10, """
        seller stock moq mult breaks flags
        A      1000  1   1    -      -
        """, """
        seller qty unit ext
        """, 10),
    "currency mismatch: no USD offer covers, the EUR one is used alone": (10, """
        seller stock moq mult breaks flags
        us     5     1   1    1:0.10 USD
        eu     1000  1   1    1:0.50 EUR
        """, """
        seller qty unit ext
        eu     10  0.50 5.00
        """, 0),
    "currencies are never mixed in a split": (10, """
        seller stock moq mult breaks flags
        us     6     1   1    1:0.10 USD
        eu     6     1   1    1:0.10 EUR
        """, """
        seller qty unit ext
        us     6   0.10 0.60
        """, 4),
}


@pytest.mark.parametrize(("need", "offers", "expected", "shortage"), CASES.values(), ids=CASES.keys())
def test_plan_need(need, offers, expected, shortage):
    plan = plan_need(need, offers_table(offers), currency="USD")
    got = [(p.offer.seller, p.buy_qty, p.unit_price, p.ext_price) for p in plan.purchases]
    assert got == purchases_table(expected)
    assert plan.shortage == shortage


def one_line(offers: str, need: int, **line) -> tuple:
    """plan_line for a line whose need is `need` (qty 1 x need boards)."""
    table = offers_table(offers)
    lookups = {"Arrow": Lookup("Arrow", LookupStatus.FOUND, offers=tuple(o for o in table if not o.bonded)),
               "DigiKey Bonded": Lookup("DigiKey Bonded", LookupStatus.FOUND,
                                        offers=tuple(o for o in table if o.bonded))}
    return plan_line(BomLine(row=line.pop("row", 2), mpn="X", qty=1, **line), lookups, boards=need,
                     currency="USD")


def test_buy_up_is_said_with_the_saving():
    result = one_line(CASES["buy-up that saves: 99 x 0.95 = 94.05 > 100 x 0.90 = 90.00"][1], 99)
    assert result.status is LineStatus.OK and result.bought_up
    assert result.purchase.buy_up.extra == 1 and result.purchase.buy_up.saving == D("4.05")
    assert "buy 1 more, save 4.05 USD (break at 100)" in result.notes


def test_ncnr_with_excess_is_a_risk_and_without_is_not():
    risky = one_line(CASES["NCNR is planned like any offer (and flagged)"][1], 10)
    assert risky.ncnr and risky.ncnr_risk
    assert any("RISK: 90 over need" in note for note in risky.notes)
    exact = one_line("""
        seller stock moq mult breaks flags
        A      1000  1   1    1:0.10 ncnr
        """, 10)
    assert exact.ncnr and not exact.ncnr_risk


def test_bonded_ncnr_released_over_need_is_no_new_risk():
    # The customer is committed to all of its bonded stock: releasing 100 for a need of 30 adds none.
    released = one_line("""
        seller stock moq mult breaks flags
        bond   500   100 1    1:0.05 bonded,ncnr
        """, 30)
    assert released.ncnr and released.purchase.excess == 70
    assert not released.ncnr_risk
    assert not any("RISK" in note for note in released.notes)


def test_shortage_reports_lead_time_and_pipeline_dates():
    result = one_line(CASES["zero stock anywhere: the cheapest backorder, all of it short"][1], 50)
    assert result.status is LineStatus.SHORT and result.shortage == 50
    assert result.purchase.backorder
    assert "lead time 12 wk" in result.reason and "200 due 2026-12-01" in result.reason


def test_partial_shortage_says_what_to_buy_now():
    result = one_line(CASES["split that still falls short"][1], 500)
    assert result.status is LineStatus.SHORT and result.split
    assert "buy 400 now, 100 short" in result.reason


def test_bonded_below_release_minimum_is_said():
    result = one_line(CASES["bonded stock below its release minimum is not released"][1], 30)
    assert any("below the minimum release quantity 100" in note for note in result.notes)


def test_other_currency_is_said():
    result = one_line(CASES["currency mismatch: no USD offer covers, the EUR one is used alone"][1], 10)
    assert "priced in EUR: no offer in USD covers the need" in result.notes


# (qty per board, boards, default attrition, the line's own column) -> (base, attrition parts)
ATTRITION = [
    (2, 100, Attrition(), None, 200, 0),
    (2, 100, Attrition(D(2)), None, 200, 4),  # 2% of 200
    (1, 10, Attrition(D(2)), None, 10, 1),  # 0.2 rounds up to 1
    (1, 10, Attrition(D(2), 5), None, 10, 6),  # 1 + 5 extra
    (2, 100, Attrition(D(2)), "5%", 200, 10),  # the line's 5% replaces the default
    (2, 100, Attrition(D(2)), "10", 200, 10),  # the line's 10 is a number of parts
    (2, 100, Attrition(D(2)), "lots", 200, 4),  # not understood: the default, and a note
    (0, 100, Attrition(D(2), 5), None, 0, 0),  # nothing needed, nothing lost
]


@pytest.mark.parametrize(("qty", "boards", "default", "column", "base", "extra"), ATTRITION)
def test_need_is_base_plus_attrition(qty, boards, default, column, base, extra):
    got_base, got_extra, note = need_of(BomLine(row=2, mpn="X", qty=qty, attrition=column), boards, default)
    assert (got_base, got_extra) == (base, extra)
    assert bool(note) == (column == "lots")


def test_line_result_shows_need_as_base_plus_attrition():
    result = one_line("""
        seller stock moq mult breaks flags
        A      1000  1   1    1:0.10 -
        """, 100, attrition="5%")
    assert (result.need, result.need_base, result.need_attrition) == (105, 100, 5)
    assert result.purchase.buy_qty == 105


def test_same_part_on_two_lines_shares_the_stock_and_says_so():
    offers = offers_table("""
        seller stock moq mult breaks flags
        A      150   1   1    1:0.10 -
        """)
    lookups = {"Arrow": Lookup("Arrow", LookupStatus.FOUND, offers=tuple(offers))}
    first, second = plan_lines([(BomLine(row=2, mpn="X", qty=1), lookups),
                                (BomLine(row=9, mpn="X", qty=1), lookups)], boards=100)
    assert first.status is LineStatus.OK and first.purchase.buy_qty == 100
    assert second.status is LineStatus.SHORT and second.purchase.buy_qty == 50 and second.shortage == 50
    assert any("row 2" in note for note in second.notes)
    assert second.stock == {"Arrow": 150}  # the source's stock as reported, not what is left


def test_lines_of_one_part_never_plan_more_than_a_dated_lot_holds():
    # A lot with a date code is keyed by its stock: what is left of it must still be the same lot.
    lot = Offer("Arrow", "Verical", "X", "M", "29506451", stock=497, breaks=(PriceBreak(1, D("0.13")),),
                date_code="2321")
    lookups = {"Arrow": Lookup("Arrow", LookupStatus.FOUND, offers=(lot,))}
    results = plan_lines([(BomLine(row=row, mpn="X", qty=2), lookups) for row in (2, 3, 4, 5)], boards=100)
    from_stock = [sum(p.buy_qty for p in r.purchases if not p.backorder) for r in results]
    assert from_stock == [200, 200, 97, 0]
    assert [r.status for r in results] == [LineStatus.OK, LineStatus.OK, LineStatus.SHORT, LineStatus.SHORT]
    assert results[3].purchase.backorder and results[3].shortage == 200


def test_stock_below_the_moq_is_not_called_none():
    result = one_line("""
        seller stock moq mult breaks flags
        A      1     10  1    10:0.50 lead=8
        """, 5)
    assert result.status is LineStatus.SHORT and result.purchase.backorder
    assert result.reason.startswith("only 1 in stock, below what can be ordered; quantity and price are for "
                                    "a backorder, lead time 8 wk")


def test_a_buy_up_saving_less_than_a_cent_is_not_suggested():
    # 99 x 0.0101 = 0.9999 against 100 x 0.0099 = 0.9900: 0.0099 saved, below a cent
    result = one_line("""
        seller stock moq mult breaks flags
        A      1000  1   1    1:0.0101,100:0.0099 -
        """, 99)
    assert not result.bought_up and result.buy_qty == 99


def test_a_mirrored_lot_is_not_split_across_its_two_listings():
    mirrored = [Offer("Arrow", seller, "X", "M", seller, stock=300, breaks=(PriceBreak(1, D("0.10")),),
                      date_code="2140") for seller in ("Verical", "ACNA")]
    plan = plan_need(500, mirrored)
    assert [p.buy_qty for p in plan.purchases] == [300] and plan.shortage == 200


def test_a_later_line_of_the_same_part_uses_what_an_earlier_one_bought_over_need():
    # row 2 needs 30 but must buy the MOQ 100: 70 spare. Row 9 needs 50: all from the spare,
    # nothing more to buy. Row 12 needs 40: 20 spare left, 20 bought (at the MOQ: 100 again).
    offers = offers_table("""
        seller stock moq mult breaks flags
        A      1000  100 1    1:0.10 -
        """)
    lookups = {"Arrow": Lookup("Arrow", LookupStatus.FOUND, offers=tuple(offers))}
    first, second, third = plan_lines([(BomLine(row=2, mpn="X", qty=3), lookups),
                                       (BomLine(row=9, mpn="X", qty=5), lookups),
                                       (BomLine(row=12, mpn="X", qty=4), lookups)], boards=10)
    assert (first.buy_qty, first.purchase.excess) == (100, 70)
    assert (second.status, second.purchases, second.from_spare) == (LineStatus.OK, (), 50)
    assert "50 of the need come from parts bought over need for row 2" in second.notes
    assert (third.from_spare, third.buy_qty, third.status) == (20, 100, LineStatus.OK)
