"""No secret through a link: the inbox takes no symbolic links; no token text in failed/ or the log."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import pytest

from bomcheck.cli.logs import add_log_file
from bomcheck.distributors.token_store import FileTokenStore, token_store_path
from tests.builders import csv_bom, names, wait_until
from tests.conftest import inbox_service

pytestmark = pytest.mark.skipif(os.name != "posix", reason="symbolic links")

ACCESS = "Acc3ssT0kenXq7RmB2vLw9zYp4Kd"  # shaped like DigiKey's 28-character tokens
REFRESH = "R3fr3shT0kenHs8NcJ5tFg1uWe6"


def token_file(tmp_path: Path) -> Path:
    """The DigiKey token file as `bomcheck auth digikey` leaves it (written by FileTokenStore itself)."""
    path = token_store_path(tmp_path / "config" / "bomcheck", "production")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"access_token": ACCESS, "refresh_token": REFRESH, "expires_at": 1.0}))
    os.chmod(path, 0o600)
    return path


def everything_written(tmp_path: Path, skip: Path) -> str:
    """The text of every file under tmp_path but the token file itself."""
    texts = []
    for path in tmp_path.rglob("*"):
        if path.is_file() and not path.is_symlink() and path != skip:
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


@pytest.fixture
def service_log(tmp_path):
    logging.getLogger().setLevel(logging.INFO)  # restored by the restore_logging fixture
    path = tmp_path / "service.log"
    add_log_file(path)
    return path


async def test_a_link_to_the_token_file_is_not_taken_and_no_token_text_appears_anywhere(tmp_path,
                                                                                      service_log):
    tokens = token_file(tmp_path)
    before = tokens.read_bytes()
    async with inbox_service(tmp_path) as service:
        inbox = service.folders.inbox
        (inbox / "tokens.csv").symlink_to(tokens)
        (inbox / "good.csv").write_text(csv_bom("LM358DR"))
        await wait_until(lambda: service.outputs() == ["good.checked.xlsx"]
                         and any(result.name == "tokens.csv" for result in service.job.results), 30)
    assert names(service.folders.failed) == []
    assert (inbox / "tokens.csv").is_symlink()  # the user's link stays where it was, untouched
    assert tokens.read_bytes() == before
    log = service_log.read_text(encoding="utf-8")
    assert "tokens.csv" in log and "symbolic link" in log
    written = everything_written(tmp_path, skip=tokens)
    assert ACCESS not in written and REFRESH not in written


async def test_a_copy_of_a_loaded_token_file_fails_without_its_tokens_in_the_error_file_or_log(
        tmp_path, service_log):
    tokens = token_file(tmp_path)
    assert FileTokenStore(tokens).load() is not None  # the service loaded its login, as at start
    async with inbox_service(tmp_path) as service:
        shutil.copyfile(tokens, service.folders.inbox / "tokens.csv")
        await wait_until(lambda: "tokens.csv.error.txt" in names(service.folders.failed), 30)
    assert "What was wrong" in (service.folders.failed / "tokens.csv.error.txt").read_text()
    written = everything_written(tmp_path, skip=tokens).replace(
        (service.folders.failed / "tokens.csv").read_text(), "")  # the moved file itself is the user's
    assert ACCESS not in written and REFRESH not in written
    assert "tokens.csv" in service_log.read_text(encoding="utf-8")


async def test_a_link_swapped_in_after_the_inbox_looked_is_not_read(tmp_path):
    """The look (is it a link?) and the read are two steps: a link put there in between is refused
    by the read itself, which never follows one."""
    from bomcheck.check import CheckOptions
    from bomcheck.watch.folders import InboxFolders
    from bomcheck.watch.inbox import InboxJob

    secret_file = token_file(tmp_path)
    folders = InboxFolders.for_inbox(tmp_path / "inbox", state=tmp_path / "state")
    folders.create()
    job = InboxJob(folders, CheckOptions(), runs=())
    swapped = folders.inbox / "bom.csv"
    os.symlink(secret_file, swapped)  # as if it had been a plain file when the service looked
    result = await job._process(swapped, 0.0)
    assert result.status == "changed" and result.output is None
    assert ACCESS not in everything_written(tmp_path, skip=secret_file)
    assert swapped.is_symlink() and names(folders.failed) == [] and names(folders.processed) == []
