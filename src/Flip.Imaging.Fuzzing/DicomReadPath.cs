using Flip.Imaging.Dicom;
using Flip.Imaging.Volumes;

namespace Flip.Imaging.Fuzzing;

/// <summary>Everything a user of Flip.Imaging does with a file: parse, every value materialised, the JSON dump, every frame decoded, the volume assembled.</summary>
public static class DicomReadPath
{
    /// <summary>Runs the full read path; a rejected input raises <see cref="DicomFormatException"/> or <see cref="VolumeAssemblyException"/> and nothing else.</summary>
    /// <param name="bytes">The file.</param>
    /// <param name="name">The name used in messages.</param>
    /// <returns>A short summary of what was read (elements, frames, voxels).</returns>
    public static string ReadEverything(byte[] bytes, string name = "mutant.dcm")
    {
        var file = DicomFile.Parse(bytes, name);
        int elements = Visit(file.FileMetaInformation) + Visit(file.Dataset);
        DicomJsonDump.ToJson(file, indented: false);
        if (!file.Dataset.Contains(DicomTag.PixelData)) return $"{elements} elements, no pixel data";
        var pixels = DicomPixelData.Create(file);
        if (!pixels.CanDecode) return $"{elements} elements, pixel data in a syntax without a decoder";
        for (int f = 0; f < pixels.FrameCount; f++)
        {
            pixels.GetFrame(f);
            pixels.GetFrameValues(f);
        }
        var volume = SeriesVolume.FromFiles([file]);
        return $"{elements} elements, {pixels.FrameCount} frames, volume {volume.SizeX}×{volume.SizeY}×{volume.SizeZ}";
    }

    private static bool IsText(DicomVR vr) => vr is DicomVR.AE or DicomVR.AS or DicomVR.CS or DicomVR.DA or DicomVR.DS or DicomVR.DT or DicomVR.IS
        or DicomVR.LO or DicomVR.LT or DicomVR.PN or DicomVR.SH or DicomVR.ST or DicomVR.TM or DicomVR.UC or DicomVR.UI or DicomVR.UR or DicomVR.UT;

    private static int Visit(DicomDataset dataset)
    {
        int count = 0;
        foreach (var e in dataset)
        {
            count++;
            if (e.IsSequence)
            {
                foreach (var item in e.Items) count += Visit(item);
                continue;
            }
            _ = e.RawValue.Length;
            dataset.ValueCount(e);
            if (e.Fragments is not null) continue;
            if (IsText(e.VR))
            {
                var values = dataset.GetStrings(e.Tag);
                foreach (var v in values)
                {
                    _ = e.VR switch
                    {
                        DicomVR.DA => DicomDateTime.TryParseDate(v, out _),
                        DicomVR.TM => DicomDateTime.TryParseTime(v, out _),
                        DicomVR.DT => DicomDateTime.TryParseDateTime(v, out _),
                        _ => false,
                    };
                }
                if (e.VR is DicomVR.DS or DicomVR.IS && values.Length > 0) dataset.TryGetDouble(e.Tag, out _);
            }
            else if (e.VR is DicomVR.US or DicomVR.SS or DicomVR.UL or DicomVR.SL or DicomVR.FL or DicomVR.FD or DicomVR.SV or DicomVR.UV or DicomVR.AT)
            {
                dataset.GetDoubles(e.Tag);
            }
        }
        return count;
    }
}
