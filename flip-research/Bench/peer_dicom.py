#!/usr/bin/env python3
"""The pydicom peer of `flip-research bench dicom`: the same files, the same shapes, one thread.

Prints one JSON object per shape: headers only (stop_before_pixels), all values (dcmread of the
whole file, every element's value touched), with pixel data (pixel_array as float32 with rescale),
series to volume (every series read, its slices sorted along the normal and numpy-stacked as float32).
"""
import json
import os
import statistics
import sys
import time

import numpy
import pydicom


def files_of(folder):
    out = []
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                head = f.read(132)
            if len(head) == 132 and head[128:132] == b"DICM":
                out.append(path)
    return sorted(out)


def headers(path):
    return len(pydicom.dcmread(path, stop_before_pixels=True))


def all_values(path):
    ds = pydicom.dcmread(path)
    return sum(1 for e in ds if e.value is not None)


def real_values(ds):
    return ds.pixel_array.astype("float32") * float(getattr(ds, "RescaleSlope", 1)) + float(getattr(ds, "RescaleIntercept", 0))


def with_pixels(path):
    return real_values(pydicom.dcmread(path)).size


def series_to_volumes(files):
    """Every series of the folder as one float32 volume: slices sorted along the normal, numpy-stacked."""
    series = {}
    for path in files:
        ds = pydicom.dcmread(path)
        series.setdefault(str(getattr(ds, "SeriesInstanceUID", "")), []).append(ds)
    voxels = 0
    for slices in series.values():
        try:
            if any("PixelData" not in ds for ds in slices):
                continue
            iop = numpy.array([float(v) for v in slices[0].ImageOrientationPatient])
            normal = numpy.cross(iop[:3], iop[3:])
            slices.sort(key=lambda ds: float(numpy.dot(normal, [float(v) for v in ds.ImagePositionPatient])))
            volume = numpy.stack([real_values(ds) for ds in slices])
            voxels += volume.size
        except Exception:  # noqa: BLE001 - not one regular volume: skipped, as ours skips it
            continue
    return voxels


def main():
    folder, passes = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
    files = files_of(folder)
    size = sum(os.path.getsize(f) for f in files)
    def each(fn):
        return lambda: [fn(f) for f in files]

    shapes = (("headers only", each(headers)), ("all values", each(all_values)), ("with pixel data", each(with_pixels)),
              ("series to volume", lambda: series_to_volumes(files)))
    for shape, run in shapes:
        run()
        times = []
        for _ in range(passes):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        print(json.dumps({"Shape": shape, "Threads": 1, "Files": len(files), "Bytes": size, "MedianSeconds": median,
                          "FilesPerSecond": len(files) / median, "MegabytesPerSecond": size / 1e6 / median,
                          "Implementation": "pydicom " + pydicom.__version__}))


if __name__ == "__main__":
    main()
