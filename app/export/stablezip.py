"""A zip archive whose bytes depend only on its contents: fixed entry times, so the same workbook
written twice is the same file."""

from __future__ import annotations

import shutil
import zipfile
from typing import Any

FIXED_TIME = (1980, 1, 1, 0, 0, 0)


class StableZipFile(zipfile.ZipFile):
    def entry(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
        info.compress_type = self.compression
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname: Any, data: Any, compress_type: Any = None, compresslevel: Any = None) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = self.entry(str(zinfo_or_arcname))
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename: Any, arcname: Any = None, compress_type: Any = None, compresslevel: Any = None) -> None:
        # openpyxl streams write-only sheets through a temporary file: copy it in chunks, with a fixed time.
        info = self.entry(str(arcname if arcname is not None else filename))
        with open(filename, "rb") as src, self.open(info, "w", force_zip64=True) as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
