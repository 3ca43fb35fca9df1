"""`bomcheck inspect BOM`: what the reader understood, and the column maps saved for a layout."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click

from bomcheck.bom import ReaderOptions, read_bom
from bomcheck.bom.layouts import layout_key, load_layouts, with_layout, without_layout
from bomcheck.cli.common import layouts_path, reader_options
from bomcheck.errors import ConfigError
from bomcheck.files import atomic_write_text, private_folder
from bomcheck.model import Bom
from bomcheck.output.inspect import inspect_json, inspection_lines


@click.command("inspect")
@click.argument("bom", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print what was understood as JSON on stdout.")
@click.option("--save-layout", is_flag=True,
              help="Remember the --*-column overrides given for BOMs with this header row, so later "
                   "runs (check, watch, inspect) apply them without flags.")
@click.option("--forget-layout", is_flag=True,
              help="Forget the column map saved for BOMs with this header row.")
@reader_options
def inspect_command(bom: Path, as_json: bool, save_layout: bool, forget_layout: bool,
                    reader: ReaderOptions) -> None:
    """Show what bomcheck understood of BOM before any query: sheet, header row, columns and why, lines."""
    if save_layout and forget_layout:
        raise ConfigError("--save-layout and --forget-layout contradict each other; give one")
    understood = read_bom(bom, reader)
    if save_layout:
        _save_layout(understood, reader)
    if forget_layout:
        _forget_layout(understood)
        understood = read_bom(bom, dataclasses.replace(reader, layouts=load_layouts(layouts_path())))
    if as_json:
        click.echo(json.dumps(inspect_json(understood), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(inspection_lines(understood)))


def _save_layout(bom: Bom, reader: ReaderOptions) -> None:
    columns = reader.column_overrides()
    if not columns:
        raise ConfigError("--save-layout saves the --*-column overrides given with it; none were given")
    header = _header_of(bom)
    target = layouts_path()
    private_folder(target.parent)
    atomic_write_text(target, with_layout(target, layout_key(header), header, columns), private=True)
    click.echo(f"saved the column map for this header layout in {target}", err=True)


def _header_of(bom: Bom) -> tuple:
    """The header row's cells as read: what a saved column map is keyed by."""
    return bom.grid[bom.header_row - 1] if bom.header_row <= len(bom.grid) else ()


def _forget_layout(bom: Bom) -> None:
    header = _header_of(bom)
    target = layouts_path()
    remaining = without_layout(target, layout_key(header))
    if remaining is None:
        raise ConfigError(f"no column map is saved for this header layout (in {target})")
    atomic_write_text(target, remaining, private=True)
    click.echo(f"forgot the column map for this header layout in {target}", err=True)

