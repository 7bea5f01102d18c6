using System.Buffers.Binary;
using Flip.Datasets.Samples;

namespace Flip.Datasets.Tests.Samples;

/// <summary>The on-disk slice file: written patient by patient under a temporary name, read a slice at a time, and a damaged one refused with its place.</summary>
public sealed class SliceFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-slicefile-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static SliceSet Patient(string key, int slices, int seed, bool lesionInFirst)
    {
        const int channels = 2, side = 4, plane = side * side;
        var random = new Random(seed);
        float[] images = [.. Enumerable.Range(0, slices * channels * plane).Select(_ => (float)random.NextDouble() - 0.5f)];
        var masks = new long[slices * plane];
        if (lesionInFirst)
        {
            masks[5] = 1;
        }

        return new SliceSet(channels, side, side, images, masks, new int[slices], [new SamplePatient(key, lesionInFirst)]);
    }

    [Fact]
    public void Patients_appended_one_at_a_time_read_back_value_for_value_with_lesion_slices_repeated_in_place()
    {
        SliceSet a = Patient("p-a", 3, 1, lesionInFirst: true), b = Patient("p-b", 2, 2, lesionInFirst: false);
        string path = Path.Combine(_folder, "site01-train.slices");
        SliceSet onDisk;
        using (var writer = new SliceFileWriter(path))
        {
            writer.Append(a, lesionRepeats: 3);
            writer.Append(b, lesionRepeats: 3);
            Assert.False(File.Exists(path)); // only the temporary file exists until Complete
            onDisk = writer.Complete();
        }

        // a's first slice (lesion) three times, then a's other two, then b's two.
        int[] source = [0, 0, 0, 1, 2];
        Assert.Equal(7, onDisk.Count);
        Assert.Equal([0, 0, 0, 0, 0, 1, 1], onDisk.PatientOfSlice);
        Assert.Equal(["p-a", "p-b"], onDisk.Patients.Select(p => p.Key));
        var image = new float[2 * 16];
        var mask = new long[16];
        for (int i = 0; i < onDisk.Count; i++)
        {
            onDisk.CopySlice(i, image, mask);
            (SliceSet from, int slice) = i < 5 ? (a, source[i]) : (b, i - 5);
            Assert.True(from.Images.AsSpan(slice * 32, 32).SequenceEqual(image), $"slice {i}");
            Assert.True(from.Masks.AsSpan(slice * 16, 16).SequenceEqual(mask), $"slice {i}");
        }

        Assert.Equal(SliceFile.HeaderLength + (7 * ((2 * 16 * 4) + 16)), new FileInfo(path).Length);
        onDisk.Files[0].Dispose();
    }

    [Fact]
    public void An_abandoned_writer_leaves_no_file_and_a_patient_of_another_shape_is_refused()
    {
        string path = Path.Combine(_folder, "x.slices");
        using (var writer = new SliceFileWriter(path))
        {
            writer.Append(Patient("p-a", 2, 1, lesionInFirst: false));
            var other = new SliceSet(2, 8, 8, new float[2 * 64], new long[64], new int[1], [new SamplePatient("p-b", false)]);
            FlipException e = Assert.Throws<FlipException>(() => writer.Append(other));
            Assert.Contains("differ in channels or size", e.Message, StringComparison.Ordinal);
        }

        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Theory]
    [InlineData("truncated", "at offset 24", "slice count")]
    [InlineData("magic", "at offset 0", "FLIPSLC1")]
    [InlineData("shape", "at offset 8", "1–64 channels")]
    [InlineData("count", "at offset 24", "slice count")]
    [InlineData("short", "at offset 0", "32-byte header")]
    public void A_damaged_slice_file_is_refused_naming_the_file_the_offset_and_what_was_expected(string damage, string place, string expected)
    {
        string path = Path.Combine(_folder, "site02-test.slices");
        using (var writer = new SliceFileWriter(path))
        {
            writer.Append(Patient("p-a", 3, 1, lesionInFirst: true));
            writer.Complete().Files[0].Dispose();
        }

        byte[] bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "truncated": bytes = bytes[..^10]; break;
            case "magic": bytes[3] ^= 0xFF; break;
            case "shape": BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 1_000_000); break;
            case "count": BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(24), long.MaxValue / 2); break;
            case "short": bytes = bytes[..20]; break;
        }

        File.WriteAllBytes(path, bytes);
        FlipException e = Assert.Throws<FlipException>(() => SliceFile.Open(path));
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(place, e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
