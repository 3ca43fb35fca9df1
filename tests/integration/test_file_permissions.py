"""Files that may hold secrets are private: tokens and settings 0600, a readable config file warned of."""

from __future__ import annotations

import logging
import os
import stat

import pytest
from click.testing import CliRunner

from bomcheck.cli import main
from bomcheck.cli.common import layouts_path
from bomcheck.config import load_settings
from bomcheck.distributors.token_store import FileTokenStore, Tokens
from bomcheck.files import atomic_write_text

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def write_config(tmp_path, text: str, file_mode: int):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    os.chmod(path, file_mode)
    return path


@pytest.mark.parametrize("file_mode", [0o644, 0o640, 0o604])
def test_a_config_file_with_secrets_readable_by_others_is_warned_of_in_one_line(tmp_path, caplog, file_mode):
    path = write_config(tmp_path, '[digikey]\nclient_id = "id"\nclient_secret = "s3cr3t-value"\n', file_mode)
    with caplog.at_level(logging.WARNING):
        load_settings(env={}, path=path)
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert warnings == [f"config file {path} holds secrets and is readable by other users; "
                        f"run: chmod 600 {path}"]
    assert "s3cr3t-value" not in caplog.text


def test_a_private_config_file_is_not_warned_of(tmp_path, caplog):
    path = write_config(tmp_path, '[arrow]\nlogin = "me"\napi_key = "k"\n', 0o600)
    with caplog.at_level(logging.WARNING):
        load_settings(env={}, path=path)
    assert "chmod" not in caplog.text


def test_a_readable_config_file_without_secrets_is_not_warned_of(tmp_path, caplog):
    path = write_config(tmp_path, 'currency = "EUR"\n', 0o644)
    with caplog.at_level(logging.WARNING):
        load_settings(env={}, path=path)
    assert "chmod" not in caplog.text


def test_the_warning_reaches_stderr_through_the_cli(tmp_path, monkeypatch):
    path = write_config(tmp_path, '[arrow]\nlogin = "me"\napi_key = "the-key"\n', 0o644)
    monkeypatch.setenv("BOMCHECK_CONFIG", str(path))
    bom = tmp_path / "bom.csv"
    bom.write_text("Qty,MPN\n1,LM358DR\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(bom), "--sandbox", "-o", str(tmp_path / "o.xlsx")],
                                catch_exceptions=False)
    assert f"chmod 600 {path}" in result.stderr
    assert "the-key" not in result.stderr and "the-key" not in result.stdout


def test_private_files_are_created_0600_and_outputs_follow_the_umask(tmp_path, umask_022):
    atomic_write_text(tmp_path / "settings.json", "{}", private=True)
    atomic_write_text(tmp_path / "out.json", "{}")
    assert mode(tmp_path / "settings.json") == 0o600
    assert mode(tmp_path / "out.json") == 0o644


def test_a_saved_layout_is_created_0600_in_a_0700_folder(tmp_path, umask_022):
    bom = tmp_path / "rev-a.csv"
    bom.write_text("Ref,MPN,Alt\nU1,LM358DR,TLV9001IDBVR\n", encoding="utf-8")
    saved = CliRunner().invoke(main, ["inspect", str(bom), "--mpn-column", "Alt", "--save-layout"])
    assert saved.exit_code == 0, saved.output
    assert mode(layouts_path()) == 0o600
    assert mode(layouts_path().parent) == 0o700


def test_token_files_are_0600_in_a_0700_folder(tmp_path, umask_022):
    store = FileTokenStore(tmp_path / "tokens" / "digikey.json")
    store.save(Tokens(access_token="a", refresh_token="r", expires_at=0.0))
    assert mode(store.path) == 0o600 and mode(store.path.parent) == 0o700


def test_a_layouts_folder_left_0755_is_made_0700_when_a_layout_is_saved(tmp_path, umask_022):
    layouts_path().parent.mkdir(parents=True, mode=0o755, exist_ok=True)
    os.chmod(layouts_path().parent, 0o755)
    bom = tmp_path / "rev-a.csv"
    bom.write_text("Ref,MPN,Alt\nU1,LM358DR,TLV9001IDBVR\n", encoding="utf-8")
    saved = CliRunner().invoke(main, ["inspect", str(bom), "--mpn-column", "Alt", "--save-layout"])
    assert saved.exit_code == 0, saved.output
    assert mode(layouts_path().parent) == 0o700


def test_a_token_folder_left_0755_is_made_0700_on_save_and_on_lock(tmp_path, umask_022):
    folder = tmp_path / "tokens"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    store = FileTokenStore(folder / "digikey.json")
    assert store.try_lock()
    store.unlock()
    assert mode(folder) == 0o700
    os.chmod(folder, 0o755)
    store.save(Tokens(access_token="a", refresh_token="r", expires_at=0.0))
    assert mode(folder) == 0o700 and mode(store.path) == 0o600
