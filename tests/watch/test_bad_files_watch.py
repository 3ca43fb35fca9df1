"""Hostile files dropped into a watched inbox: each lands in failed/ with its reason; the service goes on."""

from __future__ import annotations

from tests.builders import csv_bom, names, wait_until
from tests.conftest import inbox_service, make_bad

DROPPED = ["zip_bomb.xlsx", "entity_bomb_sheet.xlsx", "crashing.xls", "password_protected.xlsx",
           "garbage.csv"]


async def test_hostile_files_in_the_inbox_fail_one_by_one_and_a_good_file_still_comes_out(tmp_path):
    cases = [name for name in DROPPED if name != "crashing.xls" or make_bad.REAL_XLS.exists()]
    async with inbox_service(tmp_path) as service:
        for name in cases:
            make_bad.write(name, service.folders.inbox)
        (service.folders.inbox / "good.csv").write_text(csv_bom("LM358DR"))
        await wait_until(lambda: len(names(service.folders.failed)) == 2 * len(cases)
                         and len(service.outputs()) == 1, 60)
    failed = service.folders.failed
    assert names(failed) == sorted([*cases, *(f"{name}.error.txt" for name in cases)])
    for name in cases:
        reason = (failed / f"{name}.error.txt").read_text()
        assert f"What was wrong: {name}" in reason or f"What was wrong: could not read {name}" in reason
        assert "Traceback" not in reason and "RUST_BACKTRACE" not in reason
    assert service.outputs() == ["good.checked.xlsx"]
