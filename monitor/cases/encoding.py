"""The text encoding of a CSV file, and the lines that do not decode in it.

Files arrive in UTF-8, UTF-8 with BOM or GB18030 (a superset of GBK), never labelled
(DOMAIN.md §6). The encoding is decided from the file, not configured: a BOM decides; else
the first megabyte that is not plain ASCII, when it decodes cleanly as UTF-8. When it does
not, the lines of a large sample vote (:func:`_vote`): UTF-8 if at least half of them decode
as UTF-8, else GB18030 if at least half decode as GB18030. Legacy GB18030 exports carry a
few stray bytes: one of them must not reject the file, nor make a UTF-8 file be read as
GB18030. A file where most lines fail under both is not text in either and is refused.

:func:`decode_lines` is the slow path, taken only when the fast reader (Arrow, on the raw
bytes) met bytes it could not decode: it decodes the whole file once, with the stray bytes
shown as U+FFFD, and says which lines held them so that their rows can be listed as data
problems instead of read.
"""

from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from monitor.errors import InputError

__all__ = ["SAMPLE", "Decoded", "decode_lines", "detect_encoding"]

SAMPLE = 1 << 20  # bytes looked at to detect the encoding and read the header
_VOTE_SAMPLE = 16 << 20  # bytes of lines counted when the encoding is decided by a vote
_ENCODINGS = ("utf-8", "gb18030")
_BOM = b"\xef\xbb\xbf"
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_REPLACE_AND_RECORD = "monitor.cases.encoding.replace_and_record"
_stray = threading.local()  # the offsets of stray bytes found by the decoding in this thread
_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gb18030": "GB18030"}


@dataclass(frozen=True)
class Decoded:
    """A whole file decoded: its text as UTF-8 bytes (no BOM), the encoding it was in, and
    each line that held bytes not of that encoding: (line number from 1, the line's text
    with U+FFFD for those bytes)."""

    data: bytes
    encoding: str
    bad_lines: tuple[tuple[int, str], ...]

    @property
    def reason(self) -> str:
        """The data-quality reason of a line in ``bad_lines``."""
        return f"text not decodable as {_NAMES[self.encoding]} (stray bytes in the line)"


def detect_encoding(path: Path) -> str:
    """``"utf-8-sig"``, ``"utf-8"`` or ``"gb18030"``, from the first megabyte of ``path``
    (or, when that is plain ASCII, from the first megabyte-sized block that is not): UTF-8
    when it decodes cleanly as UTF-8, else by a vote of its lines."""
    with path.open("rb") as fh:
        head = fh.read(SAMPLE)
        if not head.strip():
            raise InputError(f"{path}: the file is empty")
        if head.startswith(_BOM):
            return "utf-8-sig"
        # ASCII says nothing about the encoding: decide on the first block that is not ASCII
        # (it starts on a character boundary, since the block before it is all ASCII).
        while head.isascii() and len(head) == SAMPLE:
            more = fh.read(SAMPLE)
            if not more:
                break
            head = more
    try:
        # A sample may end inside a multi-byte character: allow 3 bytes of slack.
        head.decode("utf-8") if len(head) < SAMPLE else _decode_prefix(head, "utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return _vote(head if len(head) < SAMPLE else _whole_lines(head), str(path))


def decode_lines(data: bytes, source: str) -> Decoded:
    """Decode a whole CSV file whose bytes are not all of one encoding (see the module).

    The header line must decode: a header with stray bytes is refused, since no column
    could be trusted to be the one it seems.
    """
    if data.startswith(_BOM):
        encoding, data = "utf-8", data[len(_BOM) :]
        label = "utf-8-sig"
    else:
        first = _NON_ASCII.search(data)
        start = data.rfind(b"\n", 0, first.start()) + 1 if first else 0
        sample = data[start : start + _VOTE_SAMPLE]
        if len(sample) == _VOTE_SAMPLE:
            sample = _whole_lines(sample)
        encoding = label = _vote(sample, source)
    _stray.offsets = []
    try:
        text = data.decode(encoding, errors=_REPLACE_AND_RECORD)
    finally:
        offsets, _stray.offsets = _stray.offsets, []
    bad = _bad_lines(data, encoding, offsets)
    if bad and bad[0][0] == 1:
        raise InputError(
            f"{source}: the header line has bytes that are not {_NAMES[label]} text; "
            f"correct the header or save the file as UTF-8"
        )
    return Decoded(text.encode("utf-8"), label, tuple(bad))


def _vote(sample: bytes, source: str) -> str:
    """UTF-8 when at most half of the non-ASCII lines of ``sample`` fail to decode as UTF-8,
    else GB18030 when at most half fail as GB18030; else the file is refused.

    UTF-8 is asked first because its multi-byte sequences are strict: a line of Chinese
    text in GB18030 is almost never valid UTF-8, while many short UTF-8 lines happen to be
    valid GB18030 (mojibake). So a UTF-8 file with a few stray bytes stays UTF-8, and a
    GB18030 file fails as UTF-8 on nearly every line.
    """
    lines = [line for line in sample.splitlines() if not line.isascii()]
    for encoding in _ENCODINGS:
        failures = sum(not _decodes(line, encoding) for line in lines)
        if lines and failures * 2 <= len(lines):
            return encoding
    raise InputError(
        f"{source}: cannot tell the text encoding (tried UTF-8 and GB18030); save it as UTF-8"
    )


def _whole_lines(sample: bytes) -> bytes:
    """``sample`` up to the end of its last complete line (LF, CR LF or a lone CR)."""
    return sample[: max(sample.rfind(b"\n"), sample.rfind(b"\r")) + 1]


def _decodes(line: bytes, encoding: str) -> bool:
    try:
        line.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _bad_lines(data: bytes, encoding: str, offsets: list[int]) -> list[tuple[int, str]]:
    """(line number, line with U+FFFD) of each line of ``data`` holding a byte at one of
    ``offsets`` (ascending). Lines end in LF (CR LF included), or in a lone CR in a file
    without any LF."""
    newline = b"\n" if b"\n" in data else b"\r"
    out: list[tuple[int, str]] = []
    line, counted_to, line_end = 1, 0, -1
    for offset in offsets:
        if offset < line_end:
            continue  # another stray byte in a line already listed
        line += data.count(newline, counted_to, offset)
        counted_to = offset
        begin = data.rfind(newline, 0, offset) + 1
        line_end = data.find(newline, offset)
        line_end = len(data) if line_end < 0 else line_end
        text = data[begin:line_end].decode(encoding, errors="replace").rstrip("\r")
        out.append((line, text))
    return out


def _replace_and_record(exc: UnicodeError) -> tuple[str, int]:
    """Decoding error handler: U+FFFD for the bytes, and their offset noted (the decoder
    runs at C speed and calls this only for the stray bytes)."""
    assert isinstance(exc, UnicodeDecodeError)
    _stray.offsets.append(exc.start)
    return "\ufffd", exc.end


def _decode_prefix(head: bytes, encoding: str) -> None:
    for cut in range(4):
        try:
            head[: len(head) - cut].decode(encoding)
            return
        except UnicodeDecodeError as exc:
            last = exc
    raise last


codecs.register_error(_REPLACE_AND_RECORD, _replace_and_record)
