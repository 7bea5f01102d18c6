#!/usr/bin/env python3
"""The pydicom peer of `flip-research bench dicom`: the same files, the same shapes, one thread.

Prints one JSON object per shape: headers only (stop_before_pixels), all values (dcmread of the
whole file, every element's value touched), with pixel data (pixel_array as float with rescale).
"""
import json
import os
import statistics
import sys
import time

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


def with_pixels(path):
    ds = pydicom.dcmread(path)
    a = ds.pixel_array.astype("float32") * float(getattr(ds, "RescaleSlope", 1)) + float(getattr(ds, "RescaleIntercept", 0))
    return a.size


def main():
    folder, passes = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
    files = files_of(folder)
    size = sum(os.path.getsize(f) for f in files)
    for shape, fn in (("headers only", headers), ("all values", all_values), ("with pixel data", with_pixels)):
        for f in files:
            fn(f)
        times = []
        for _ in range(passes):
            start = time.perf_counter()
            for f in files:
                fn(f)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        print(json.dumps({"Shape": shape, "Threads": 1, "Files": len(files), "Bytes": size, "MedianSeconds": median,
                          "FilesPerSecond": len(files) / median, "MegabytesPerSecond": size / 1e6 / median,
                          "Implementation": "pydicom " + pydicom.__version__}))


if __name__ == "__main__":
    main()
