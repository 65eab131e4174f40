"""The NoteWriter: the original's format, safe under threads."""

from __future__ import annotations

import threading

from cad.actions import NoteWriter


def test_the_note_has_the_original_header_and_line_marks() -> None:
    notes = NoteWriter("chgm")
    notes.success("Customer did not stop nodes.")
    notes.warning("Egress `nosnch.in` blocked.")
    notes.automation("Sent LS: 'x'")
    assert notes.render() == (
        "🤖 Automated chgm pre-investigation 🤖\n"
        "===========================\n"
        "✅ Customer did not stop nodes.\n"
        "⚠️ Egress `nosnch.in` blocked.\n"
        "🤖 Sent LS: 'x'\n"
    )


def test_lines_appended_from_many_threads_are_all_kept() -> None:
    notes = NoteWriter("race")

    def write(worker: int) -> None:
        for i in range(300):
            notes.automation(f"{worker}-{i}")

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(notes.lines) == 8 * 300
    assert {m for _, m in notes.lines} == {f"{w}-{i}" for w in range(8) for i in range(300)}


def test_a_note_writer_survives_a_dict_round_trip() -> None:
    notes = NoteWriter("ccam")
    notes.warning("w")
    assert NoteWriter.from_dict(notes.to_dict()) == notes
