"""A run writes the answers of the file it read, and its outputs all land or none does (exit 3 = nothing)."""

from __future__ import annotations

import errno
import os
import pathlib
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import aiohttp
import openpyxl
import pytest
from click.testing import CliRunner

from bomcheck.check import CheckOptions, check_bom
from bomcheck.cli import main
from bomcheck.distributors.http import Transport, make_limiter
from bomcheck.errors import OutputError
from bomcheck.lookups.fanout import SourceRun
from bomcheck.model import Lookup, LookupStatus, Offer, PriceBreak, Query
from tests.conftest import DEMO_BOM


class StockBySource:
    """A source that stocks a fixed number of each part it knows, and may act while it is asked."""

    name = "Partsbin"

    def __init__(self, stock: Mapping[str, int], while_asked: Callable[[], None] | None = None) -> None:
        self.stock = stock
        self.while_asked = while_asked

    def batches(self, queries: Sequence[Query]) -> list[list[Query]]:
        return [list(queries)]

    async def fetch(self, transport: Transport, batch: Sequence[Query]) -> Mapping[Query, Lookup]:
        if self.while_asked:
            self.while_asked()  # e.g. the user saves the BOM in Excel while the answers come
            self.while_asked = None
        return {query: Lookup(self.name, LookupStatus.FOUND, offers=(Offer(
            source=self.name, seller="Partsbin", mpn=query.mpn or "", manufacturer="Acme", sku="PB-1",
            stock=self.stock.get(query.mpn or "", 0), breaks=(PriceBreak(1, Decimal("0.10")),)),))
            for query in batch}


def workbook(path: Path, rows: Sequence[Sequence[object]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    book.save(path)


def save_like_excel(path: Path, rows: Sequence[Sequence[object]]) -> None:
    """Excel saves to a temp file and renames it over the BOM: a new file under the same name."""
    temp = path.with_name("~tmp_save.xlsx")
    workbook(temp, rows)
    os.replace(temp, path)


OLD_ROWS = [("Ref", "Qty", "MPN"), ("R1", 1, "LM358DR"), ("R2", 1, "NE555DR")]
NEW_ROWS = [("Ref", "Qty", "MPN"), ("U7", 1, "TPS7A4700RGWR"), ("U8", 1, "GRM188R71H104KA93D"),
            ("U9", 1, "RC0603FR-0710KL")]


async def run_check(bom: Path, source: StockBySource, options: CheckOptions):
    async with aiohttp.ClientSession() as session:
        run = SourceRun(source, Transport(session, make_limiter(100)))
        return await check_bom(bom, options, [run])


async def test_a_bom_saved_during_the_check_gets_no_output_and_a_clear_line(tmp_path):
    bom = tmp_path / "board.xlsx"
    workbook(bom, OLD_ROWS)
    output = tmp_path / "board.checked.xlsx"
    source = StockBySource({"LM358DR": 11, "NE555DR": 22}, while_asked=lambda: save_like_excel(bom, NEW_ROWS))
    with pytest.raises(OutputError) as raised:
        await run_check(bom, source, CheckOptions(output=output))
    message = str(raised.value)
    assert "board.xlsx changed while" in message and "nothing was written" in message
    assert "\n" not in message
    assert not output.exists()  # the old answers (11, 22) never reach the new rows (TPS7A4700RGWR, ...)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["board.xlsx"]


async def test_a_bom_saved_during_the_check_leaves_an_earlier_output_as_it_was(tmp_path):
    bom = tmp_path / "board.xlsx"
    workbook(bom, OLD_ROWS)
    output = tmp_path / "board.checked.xlsx"
    output.write_bytes(b"an earlier output")
    source = StockBySource({}, while_asked=lambda: save_like_excel(bom, NEW_ROWS))
    with pytest.raises(OutputError):
        await run_check(bom, source, CheckOptions(output=output, json_output=tmp_path / "board.json"))
    assert output.read_bytes() == b"an earlier output"
    assert not (tmp_path / "board.json").exists()


async def test_a_bom_rewritten_in_place_with_the_same_size_is_noticed_too(tmp_path):
    bom = tmp_path / "board.csv"
    bom.write_text("Ref,Qty,MPN\nR1,1,LM358DR\n")
    stat = bom.stat()

    def rewrite() -> None:  # same size, same mtime: only the content tells
        bom.write_text("Ref,Qty,MPN\nR1,1,LM358DT\n")
        os.utime(bom, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    with pytest.raises(OutputError, match=r"board\.csv changed while"):
        await run_check(bom, StockBySource({}, while_asked=rewrite),
                        CheckOptions(output=tmp_path / "out.xlsx"))
    assert not (tmp_path / "out.xlsx").exists()


async def test_an_unchanged_bom_is_written_with_its_own_answers(tmp_path):
    bom = tmp_path / "board.xlsx"
    workbook(bom, OLD_ROWS)
    output = tmp_path / "board.checked.xlsx"
    outcome = await run_check(bom, StockBySource({"LM358DR": 11, "NE555DR": 22}), CheckOptions(output=output))
    sheet = openpyxl.load_workbook(outcome.output).active
    headers = [cell.value for cell in sheet[1]]
    stock = headers.index("Partsbin Stock") + 1
    assert [(sheet.cell(row, 3).value, sheet.cell(row, stock).value) for row in (2, 3)] == [
        ("LM358DR", 11), ("NE555DR", 22)]
    assert bom.stat().st_size > 0 and sorted(p.name for p in tmp_path.iterdir()) == [
        "board.checked.xlsx", "board.xlsx"]


def fail_json_writes(monkeypatch) -> None:
    """The disk fills up while the JSON is written: the workbook was already written (to its temp)."""
    real = pathlib.Path.write_text

    def write_text(self, *args, **kwargs):
        if ".json" in self.name:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_text", write_text)


async def test_a_json_that_cannot_be_written_leaves_no_workbook_either(tmp_path, monkeypatch):
    bom = tmp_path / "board.xlsx"
    workbook(bom, OLD_ROWS)
    fail_json_writes(monkeypatch)
    with pytest.raises(OutputError, match=r"No space left on device; board\.checked\.xlsx was not written"):
        await run_check(bom, StockBySource({"LM358DR": 1}), CheckOptions(
            output=tmp_path / "board.checked.xlsx", json_output=tmp_path / "board.json"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["board.xlsx"]  # no output, no temp file


async def test_a_json_that_cannot_be_written_leaves_the_earlier_outputs_as_they_were(tmp_path, monkeypatch):
    bom = tmp_path / "board.xlsx"
    workbook(bom, OLD_ROWS)
    (tmp_path / "board.checked.xlsx").write_bytes(b"earlier workbook")
    (tmp_path / "board.json").write_bytes(b"earlier json")
    fail_json_writes(monkeypatch)
    with pytest.raises(OutputError):
        await run_check(bom, StockBySource({}), CheckOptions(
            output=tmp_path / "board.checked.xlsx", json_output=tmp_path / "board.json"))
    assert (tmp_path / "board.checked.xlsx").read_bytes() == b"earlier workbook"
    assert (tmp_path / "board.json").read_bytes() == b"earlier json"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["board.checked.xlsx", "board.json", "board.xlsx"]


def test_exit_3_from_the_command_means_nothing_was_written(tmp_path, monkeypatch):
    bom = tmp_path / "demo.xlsx"
    bom.write_bytes(DEMO_BOM.read_bytes())
    fail_json_writes(monkeypatch)
    result = CliRunner().invoke(main, ["-q", "check", str(bom), "--sandbox", "--json",
                                       str(tmp_path / "demo.json")])
    assert result.exit_code == 3, result.output
    assert "No space left on device; demo.checked.xlsx was not written either" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.xlsx"]
    assert bom.read_bytes() == DEMO_BOM.read_bytes()


def test_outputs_together_name_what_landed_when_the_second_rename_itself_fails(tmp_path, monkeypatch):
    from bomcheck import files

    real = os.replace

    def replace(source, target):
        if str(target).endswith(".json"):
            raise OSError(errno.ENOENT, "No such file or directory")  # the folder vanished meanwhile
        return real(source, target)

    monkeypatch.setattr(files.os, "replace", replace)
    with pytest.raises(OutputError) as raised, files.outputs_together():
        files.atomic_write_text(tmp_path / "a.xlsx", "workbook")
        files.atomic_write_text(tmp_path / "a.json", "json")
    assert str(raised.value) == (f"cannot write {tmp_path / 'a.json'}: No such file or directory "
                                 f"({tmp_path / 'a.xlsx'} was written)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx"]  # no temp file left
