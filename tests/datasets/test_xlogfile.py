"""The xlogfile line of a cut game is one nle.dataset reads like NetHack's own."""

from __future__ import annotations

from pathlib import Path

import pytest
from nle.dataset.populate_db import XLOGFILE_COLUMNS, game_data_generator

from rllib_nethack.datasets.xlogfile import (
    CUT_DEATH,
    XLOG_FIELDS,
    Character,
    CutGame,
    character_from_welcome,
    cut_line,
    line_for,
    renamed_line,
)


@pytest.mark.parametrize(
    ("welcome", "character"),
    [
        ("Hello Agent, welcome to NetHack!  You are a neutral female human Monk.",
         Character("Mon", "Hum", "Fem", "Neu")),
        ("Hello Agent, welcome to NetHack!  You are a chaotic elven Priest.--More--",
         Character("Pri", "Elf", "Mal", "Cha")),
        ("Salutations Agent, welcome to NetHack!  You are a lawful dwarvish Valkyrie.",
         Character("Val", "Dwa", "Fem", "Law")),
        ("Aloha Agent, welcome to NetHack!  You are an neutral male gnomish Archeologist.",
         Character("Arc", "Gno", "Mal", "Neu")),
        ("Be careful!  New moon tonight.", Character()),
    ],
)  # fmt: skip
def test_character_from_the_welcome(welcome: str, character: Character) -> None:
    assert character_from_welcome(welcome) == character


def test_a_cut_line_reads_like_netHacks_own(tmp_path: Path) -> None:
    samurai = Character("Sam", "Hum", "Fem", "Law")
    game = CutGame(samurai, 20, 0, 2, 3, 6, 15, 116, 1.7e9, 1.7e9 + 42)
    line = cut_line(game, "nle.1.0.ttyrec3.bz2")
    assert [f.split("=", 1)[0] for f in line.split("\t")] == list(XLOG_FIELDS)
    xlogfile = tmp_path / "nle.1.xlogfile"
    xlogfile.write_text(line + "\n")
    (row,) = list(game_data_generator(str(xlogfile)))
    fields = dict(zip([name for name, _ in XLOGFILE_COLUMNS], row, strict=True))
    assert fields["death"] == CUT_DEATH and fields["points"] == 20 and fields["turns"] == 116
    assert (fields["role"], fields["deathlev"], fields["maxlvl"]) == ("Sam", 2, 3)
    assert fields["realtime"] == 42
    assert line_for(str(xlogfile), "nle.1.0.ttyrec3.bz2") == line
    assert line_for(str(xlogfile), "nle.2.0.ttyrec3.bz2") is None
    assert renamed_line(line, "nle.9.0.ttyrec3.bz2").endswith("\tttyrecname=nle.9.0.ttyrec3.bz2")
