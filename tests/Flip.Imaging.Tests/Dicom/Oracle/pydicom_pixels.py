"""Decodes DICOM files with Debian's pydicom, the oracle for DicomPixelData (PydicomPixelOracleTests).

usage: pydicom_pixels.py OUT_DIR [--handlers numpy,rle|all] FILE...

For each file prints one JSON line: name, and either "error" (why pydicom does not decode it here) or
rows, columns, samples, frames, itemsize, signed, and the file OUT_DIR/<name>.raw holding pixel_array
as little-endian bytes in (frame, row, column, sample) order, the layout DicomPixelData.GetFrame gives.
Only pydicom's numpy and RLE handlers are used unless --handlers all: those are what Debian's
python3-pydicom decodes without Pillow, GDCM or pylibjpeg, so the result does not depend on what else
the machine has installed.
"""
import json
import os
import sys

import numpy as np
import pydicom
import pydicom.config
from pydicom.pixel_data_handlers import numpy_handler, rle_handler


def main(argv):
    out = argv[1]
    files = argv[2:]
    if files and files[0] == "--handlers":
        if files[1] != "all":
            pydicom.config.pixel_data_handlers = [numpy_handler, rle_handler]
        files = files[2:]
    else:
        pydicom.config.pixel_data_handlers = [numpy_handler, rle_handler]
    for path in files:
        name = os.path.basename(path)
        try:
            ds = pydicom.dcmread(path, force=True)
            if "PixelData" not in ds:
                print(json.dumps({"name": name, "error": "no Pixel Data"}), flush=True)
                continue
            arr = ds.pixel_array
        except Exception as e:  # noqa: BLE001 - any failure is reported, the test decides
            print(json.dumps({"name": name, "error": f"{type(e).__name__}: {e}"[:300]}), flush=True)
            continue
        frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
        spp = int(getattr(ds, "SamplesPerPixel", 1) or 1)
        arr = np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder("<"), copy=False))
        with open(os.path.join(out, name + ".raw"), "wb") as f:
            f.write(arr.tobytes())
        print(json.dumps({
            "name": name,
            "rows": int(ds.Rows),
            "columns": int(ds.Columns),
            "samples": spp,
            "frames": frames,
            "itemsize": int(arr.dtype.itemsize),
            "signed": arr.dtype.kind == "i",
            "photometric": str(getattr(ds, "PhotometricInterpretation", "")),
            "ts": str(ds.file_meta.TransferSyntaxUID) if "TransferSyntaxUID" in getattr(ds, "file_meta", {}) else "",
        }), flush=True)


if __name__ == "__main__":
    main(sys.argv)
