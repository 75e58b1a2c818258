"""Turning a statement file's bytes into text: byte-order marks, declared charsets, and Windows-1252.

Banks label their files inconsistently (``CHARSET:1252``, ``ENCODING:USASCII`` with accented payees,
``encoding="UTF-8"`` on cp1252 bytes), so a declared encoding is a first guess, not a promise: when it
does not decode, we fall back to Windows-1252 (which every byte but five decodes) and say so in a warning.
"""

from __future__ import annotations

import codecs

from app.bank.errors import StatementWarning

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# What banks write in OFX CHARSET/ENCODING headers, mapped to a Python codec.
_ALIASES = {
    "1252": "cp1252",
    "windows1252": "cp1252",
    "cp1252": "cp1252",
    "win1252": "cp1252",
    "88591": "cp1252",  # ISO-8859-1 files from banks are in practice cp1252 (curly quotes, euro sign)
    "iso88591": "cp1252",
    "latin1": "cp1252",
    "usascii": "utf-8",  # ASCII is a subset; many "USASCII" files hold UTF-8 or cp1252 anyway
    "ascii": "utf-8",
    "utf8": "utf-8",
    "unicode": "utf-8",
    "none": "",
    "": "",
}


def codec_for(label: str) -> str:
    """A Python codec for a declared charset label, or '' when the label says nothing usable."""
    key = "".join(ch for ch in label.lower() if ch.isalnum())
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        return codecs.lookup(label.strip()).name
    except LookupError:
        return ""


def strip_bom(data: bytes) -> tuple[bytes, str]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :], codec
    return data, ""


def decode(data: bytes, declared: str, file: str) -> tuple[str, list[StatementWarning]]:
    """Decode ``data`` using its BOM, else ``declared``, else UTF-8, else Windows-1252."""
    warnings: list[StatementWarning] = []
    data, bom_codec = strip_bom(data)
    if bom_codec:
        try:
            return data.decode(bom_codec), warnings
        except UnicodeDecodeError:
            warnings.append(StatementWarning(file, 1, f"the file starts with a {bom_codec} mark but is not {bom_codec}"))
    declared_codec = codec_for(declared) if declared else ""
    if declared_codec and declared_codec != "utf-8" and not data.isascii():
        # Valid multi-byte UTF-8 almost never occurs by chance in single-byte text, while banks often label
        # UTF-8 exports with a stale CHARSET:1252 header: believe the bytes, not the label.
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            warnings.append(StatementWarning(file, 1, f"the file is declared as {declared!r} but is UTF-8; read it as UTF-8"))
            return text, warnings
    tried = []
    for codec in (declared_codec, "utf-8"):
        if not codec or codec in tried:
            continue
        tried.append(codec)
        try:
            return data.decode(codec), warnings
        except (UnicodeDecodeError, LookupError):
            continue
    text = data.decode("cp1252", errors="replace")
    line = _first_bad_line(data, tried[0] if tried else "utf-8")
    label = f"declared as {declared!r} but " if declared else ""
    warnings.append(
        StatementWarning(file, line, f"the text is {label}not valid {tried[0] if tried else 'UTF-8'}; read it as Windows-1252")
    )
    return text, warnings


def _first_bad_line(data: bytes, codec: str) -> int:
    try:
        data.decode(codec)
    except UnicodeDecodeError as exc:
        return data.count(b"\n", 0, exc.start) + 1
    except LookupError:
        return 1
    return 1


def widen_to_utf8(data: bytes) -> bytes:
    """UTF-16/32 files (with a BOM) as UTF-8 with a BOM, so byte-level sniffing of headers works."""
    stripped, codec = strip_bom(data)
    if codec and codec != "utf-8":
        return codecs.BOM_UTF8 + stripped.decode(codec, errors="replace").encode("utf-8")
    return data
