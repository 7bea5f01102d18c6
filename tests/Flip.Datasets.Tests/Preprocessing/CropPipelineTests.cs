using Flip.Datasets.Preprocessing;
using Flip.Datasets.Samples;
using Flip.Datasets.Synthetic;

namespace Flip.Datasets.Tests.Preprocessing;

public sealed class CropPipelineTests : IDisposable
{
    private static readonly IReadOnlyList<Patient> Patients =
        SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.02, Seed = 3 }).Site("site-4").Patients;

    private static readonly PreprocessingSettings Crops = new() { Output = SampleOutput.Crops3D, Crop3D = (32, 32, 8) };

    private readonly string _folder = Directory.CreateTempSubdirectory("flip-crops-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Synthetic(Patient p) => "synthetic:flip6:seed=3:scale=0.02";

    /// <summary>A voxel of a volume, or 0 outside it.</summary>
    private static T At<T>(PatientImages v, T[] data, int x, int y, int z)
        where T : struct
        => x >= 0 && y >= 0 && z >= 0 && x < v.Width && y < v.Height && z < v.Depth ? data[(((z * v.Height) + y) * v.Width) + x] : default;

    private static (int X, int Y, int Z) BoxCentre(PatientImages v)
    {
        var voxels = Enumerable.Range(0, v.Gland.Length).Where(i => v.Gland[i] != 0)
            .Select(i => (X: i % v.Width, Y: i / v.Width % v.Height, Z: i / (v.Width * v.Height))).ToList();
        return ((voxels.Min(p => p.X) + voxels.Max(p => p.X)) / 2, (voxels.Min(p => p.Y) + voxels.Max(p => p.Y)) / 2, (voxels.Min(p => p.Z) + voxels.Max(p => p.Z)) / 2);
    }

    [Fact]
    public void Each_patient_gives_one_crop_of_the_set_size_around_the_gland_box_centre_with_its_masks_and_label()
    {
        PreprocessedSamples samples = new SamplePipeline(Crops).Build(Patients);

        CropSet crops = Assert.IsType<CropSet>(samples.Crops);
        Assert.Equal(0, samples.Slices.Count);
        Assert.Equal((Patients.Count, 3, 8, 32, 32), (crops.Count, crops.Channels, crops.Depth, crops.Height, crops.Width));
        Assert.Equal(Patients.Count * 3 * 8 * 32 * 32, crops.Images.Length);
        Assert.Equal(Patients.Select(p => p.IsCsPca ? 1L : 0L), crops.Labels());
        Assert.Equal(Patients.Select(p => p.Key), crops.Patients.Select(p => p.Key));
        Assert.Contains(1L, crops.Labels());
        Assert.Contains(0L, crops.Labels());
        const int Voxels = 8 * 32 * 32;
        for (int n = 0; n < Patients.Count; n++)
        {
            PatientImages v = Patients[n].LoadImages();
            var (cx, cy, cz) = BoxCentre(v);
            Assert.Equal((cx - 16, cy - 16, cz - 4), crops.Origins[n]);
            int centre = (((4 * 32) + 16) * 32) + 16;
            Assert.Equal(1, crops.Gland[(n * Voxels) + centre]);
            for (int c = 0; c < 3; c++)
            {
                float[] raw = v.Channels[c];
                double mean = raw.Average(x => (double)x), sd = Math.Sqrt(raw.Average(x => ((double)x - mean) * ((double)x - mean)));
                Assert.Equal((At(v, raw, cx, cy, cz) - mean) / sd, crops.Images[(((n * 3) + c) * Voxels) + centre], 3);
            }

            // The masks are the volume's, voxel for voxel, at the same offset.
            for (int z = 0; z < 8; z++)
            {
                for (int y = 0; y < 32; y++)
                {
                    for (int x = 0; x < 32; x++)
                    {
                        int i = (n * Voxels) + (((z * 32) + y) * 32) + x;
                        Assert.Equal(At(v, v.Lesion, cx - 16 + x, cy - 16 + y, cz - 4 + z), crops.Lesion[i]);
                        Assert.Equal(At(v, v.Gland, cx - 16 + x, cy - 16 + y, cz - 4 + z), crops.Gland[i]);
                    }
                }
            }
        }

        // Lesions fall inside the crops of the positive patients.
        Assert.Contains(Enumerable.Range(0, crops.Count), n => crops.Lesion.AsSpan(n * Voxels, Voxels).Contains((byte)1));
    }

    [Fact]
    public void A_crop_larger_than_the_volume_is_zero_padded_at_the_border_and_z_scored_inside()
    {
        Patient patient = Patients[0];
        PatientImages v = patient.LoadImages();
        var settings = new PreprocessingSettings { Output = SampleOutput.Crops3D, Crop3D = (2 * v.Width, 2 * v.Height, 2 * v.Depth) };

        CropSet crop = new SamplePipeline(settings).Build([patient]).Crops!;

        var (ox, oy, oz) = crop.Origins[0];
        Assert.True(ox < 0 && oy < 0 && oz < 0, "the crop starts before the volume on every axis");
        int voxels = crop.Depth * crop.Height * crop.Width;
        bool Inside(int i)
        {
            int x = (i % crop.Width) + ox, y = (i / crop.Width % crop.Height) + oy, z = (i / (crop.Width * crop.Height)) + oz;
            return x >= 0 && y >= 0 && z >= 0 && x < v.Width && y < v.Height && z < v.Depth;
        }

        int[] inside = [.. Enumerable.Range(0, voxels).Where(Inside)];
        Assert.Equal(v.Width * v.Height * v.Depth, inside.Length);
        for (int c = 0; c < crop.Channels; c++)
        {
            var channel = crop.Images.AsSpan(c * voxels, voxels).ToArray();
            double mean = inside.Average(i => (double)channel[i]);
            double sd = Math.Sqrt(inside.Average(i => ((double)channel[i] - mean) * ((double)channel[i] - mean)));
            Assert.InRange(mean, -1e-3, 1e-3);
            Assert.InRange(sd, 1 - 1e-3, 1 + 1e-3);
            Assert.All(Enumerable.Range(0, voxels).Where(i => !Inside(i)), i => Assert.Equal(0f, channel[i]));
        }

        Assert.Equal(v.Gland.Count(g => g != 0), crop.Gland.Count(g => g != 0));
        Assert.Equal(v.Lesion.Count(g => g != 0), crop.Lesion.Count(g => g != 0));
        Assert.All(Enumerable.Range(0, voxels).Where(i => !Inside(i)), i => Assert.Equal((0, 0), (crop.Gland[i], crop.Lesion[i])));
    }

    [Fact]
    public void A_warm_cache_serves_identical_crops_under_another_key_than_the_slices()
    {
        var cache = new SampleCache(_folder);
        var pipeline = new SamplePipeline(Crops, cache, Synthetic);

        PreprocessedSamples cold = pipeline.Build(Patients);
        PreprocessedSamples warm = pipeline.Build(Patients);

        Assert.Equal((0, Patients.Count), (cold.CacheHits, cold.Built));
        Assert.Equal((Patients.Count, 0), (warm.CacheHits, warm.Built));
        CropSet a = cold.Crops!, b = warm.Crops!;
        Assert.Equal((a.Channels, a.Depth, a.Height, a.Width), (b.Channels, b.Depth, b.Height, b.Width));
        Assert.Equal(a.Images, b.Images);
        Assert.Equal(a.Lesion, b.Lesion);
        Assert.Equal(a.Gland, b.Gland);
        Assert.Equal(a.Origins, b.Origins);
        Assert.Equal(a.Patients, b.Patients);
        Assert.Equal(a.Images, new SamplePipeline(Crops).Build(Patients).Crops!.Images);

        // 2D and 3D, or another crop size, are other keys; the 2D crop size does not change a 3D key.
        string key3D = SampleCache.Key(Patients[0].Key, Synthetic(Patients[0]), Crops);
        string key2D = SampleCache.Key(Patients[0].Key, Synthetic(Patients[0]), PreprocessingSettings.Default);
        Assert.NotEqual(key2D, key3D);
        Assert.NotEqual(key3D, SampleCache.Key(Patients[0].Key, Synthetic(Patients[0]), Crops with { Crop3D = (32, 32, 16) }));
        Assert.Equal(key3D, SampleCache.Key(Patients[0].Key, Synthetic(Patients[0]), Crops with { CropSize = 24 }));
        PreprocessedSamples slices = new SamplePipeline(cache: cache, sourceIdentity: Synthetic).Build(Patients);
        Assert.Equal((0, Patients.Count, null), (slices.CacheHits, slices.Built, slices.Crops));
        Assert.Equal(2 * Patients.Count, Directory.GetFiles(_folder, "*.samples", SearchOption.AllDirectories).Length);

        // An entry of the other kind is refused with the place, not misread.
        var sample = new SamplePatient(Patients[0].Key, Patients[0].IsCsPca);
        var e = Assert.Throws<SampleCacheException>(() => cache.TryReadCrop(key2D, sample, out _));
        Assert.Contains("(kind)", e.Message, StringComparison.Ordinal);
        Assert.Throws<SampleCacheException>(() => cache.TryRead(key3D, sample, out _));
    }

    [Fact]
    public void Invalid_crop_sizes_are_refused()
    {
        var e = Assert.Throws<FlipException>(() => new SamplePipeline(Crops with { Crop3D = (32, 0, 8) }));
        Assert.Contains("Crop3D", e.Message, StringComparison.Ordinal);
    }
}
