"""A small streaming ``.xlsx`` writer: rows of text, numbers and dates, a styled header, frozen
and filtered, fixed column widths. Nothing else.

The decisions workbook of an office holds millions of cells (10,000 cases, their suggestions and
audit trail); openpyxl, even in write-only mode, spends about 45 µs on each, so such an export
took minutes. This writer writes each sheet's XML straight to a temporary file as rows come
(a few µs a cell) and zips the parts at the end; the file is read back by openpyxl and Excel.

Text is always written as text (an inline string), never as a formula, whatever it starts with;
callers ask for Excel's quote prefix on text that looks like a formula.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any, BinaryIO
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

_EPOCH = datetime(1899, 12, 30)
#: Characters of a sheet's XML copied into the package at a time: with the rows streamed to a
#: temporary file, this (not the number of rows) bounds the memory a workbook takes to write.
COPY_CHUNK = 1 << 20

# Cell styles (indexes into cellXfs below).
PLAIN, HEADER, WRAP, DATE, QUOTED, QUOTED_WRAP, BOLD = range(7)


def _xf(
    font: int = 0,
    fill: int = 0,
    fmt: int = 0,
    *,
    wrap: bool,
    quote: bool = False,
    vertical: str = "top",
) -> str:
    return (
        f'<xf numFmtId="{fmt}" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"'
        + (' quotePrefix="1"' if quote else "")
        + ' applyFont="1" applyFill="1" applyNumberFormat="1" applyAlignment="1">'
        + f'<alignment vertical="{vertical}"'
        + (' wrapText="1"' if wrap else "")
        + "/></xf>"
    )


_CELL_STYLES = [  # in the order of PLAIN, HEADER, WRAP, DATE, QUOTED, QUOTED_WRAP, BOLD
    _xf(wrap=False),
    _xf(font=1, fill=2, wrap=True, vertical="center"),
    _xf(wrap=True),
    _xf(fmt=164, wrap=False),
    _xf(wrap=False, quote=True),
    _xf(wrap=True, quote=True),
    _xf(font=2, wrap=True),
]
_FONT = '<sz val="11"/>{}<name val="Calibri"/><family val="2"/>'
_WHITE = '<color rgb="FFFFFFFF"/>'
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="3">'
    f"<font>{_FONT.format('')}</font>"
    f"<font><b/>{_FONT.format(_WHITE)}</font>"
    f"<font><b/>{_FONT.format('')}</font>"
    "</fonts>"
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FF1F3864"/>'
    '<bgColor rgb="FF1F3864"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    "</cellStyleXfs>"
    f'<cellXfs count="{len(_CELL_STYLES)}">{"".join(_CELL_STYLES)}</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"


class Sheet:
    """One worksheet, streamed to a temporary file row by row."""

    def __init__(self, title: str, widths: Sequence[float], *, header: bool = True) -> None:
        self.title = title
        self.columns = len(widths)
        self.letters = [get_column_letter(i) for i in range(1, self.columns + 1)]
        self.rows = 0
        self.header = header
        self._file: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
            for i, width in enumerate(widths, start=1)
        )
        pane = (
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            if header
            else '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        )
        self._file.write(
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" '
            f'xmlns:r="{_RELS}">{pane}<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols>'
            "<sheetData>"
        )

    def append(self, values: Sequence[Any], styles: Sequence[int]) -> None:
        """One row: ``values`` (str, int, float, datetime or None) with their cell styles."""
        self.rows += 1
        row = self.rows
        parts = [f'<row r="{row}">']
        for letter, value, style in zip(self.letters, values, styles, strict=False):
            if value is None:
                continue
            ref = f"{letter}{row}"
            if isinstance(value, datetime):
                serial = (value - _EPOCH).total_seconds() / 86_400
                parts.append(f'<c r="{ref}" s="{DATE}"><v>{serial:.10f}</v></c>')
            elif isinstance(value, bool):
                parts.append(f'<c r="{ref}" t="b" s="{style}"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float):
                parts.append(f'<c r="{ref}" s="{style}"><v>{value!r}</v></c>')
            else:
                parts.append(
                    f'<c r="{ref}" t="inlineStr" s="{style}"><is><t xml:space="preserve">'
                    f"{escape(str(value))}</t></is></c>"
                )
        parts.append("</row>")
        self._file.write("".join(parts))

    def _finish(self) -> IO[str]:
        last = self.letters[-1] if self.letters else "A"
        tail = "</sheetData>"
        if self.header:
            tail += f'<autoFilter ref="A1:{last}{max(self.rows, 1)}"/>'
        self._file.write(tail + "</worksheet>")
        self._file.seek(0)
        return self._file


def save(sheets: Sequence[Sheet], target: Path | BinaryIO, *, creator: str) -> None:
    """Zip the sheets into an ``.xlsx`` package at ``target``."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/'
            'vnd.openxmlformats-package.core-properties+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PACKAGE_RELS}">'
            f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            "</Relationships>"
        ),
        "docProps/core.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:creator>{escape(creator)}</dc:creator></cp:coreProperties>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheets>'
            + "".join(
                f'<sheet name="{escape(sheet.title)}" sheetId="{i}" r:id="rId{i}"/>'
                for i, sheet in enumerate(sheets, start=1)
            )
            + "</sheets>"
            + _defined_names(sheets)
            + "</workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PACKAGE_RELS}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_RELS}/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(sheets) + 1)
            )
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="{_RELS}/styles" '
            'Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": _STYLES,
    }
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
        for index, sheet in enumerate(sheets, start=1):
            source = sheet._finish()
            with zf.open(f"xl/worksheets/sheet{index}.xml", "w", force_zip64=True) as out:
                while chunk := source.read(COPY_CHUNK):
                    out.write(chunk.encode("utf-8"))
            source.close()


def _defined_names(sheets: Sequence[Sheet]) -> str:
    """The filter ranges, named as Excel names them."""
    names = []
    for index, sheet in enumerate(sheets):
        if sheet.header and sheet.letters:
            last = f"${sheet.letters[-1]}${max(sheet.rows, 1)}"
            title = sheet.title.replace("'", "''")
            names.append(
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" '
                f"hidden=\"1\">'{escape(title)}'!$A$1:{last}</definedName>"
            )
    return f"<definedNames>{''.join(names)}</definedNames>" if names else ""
