using System.Text;
using CsCheck;
using Flip.Imaging.MetaImage;
using Flip.Imaging.Tests.Volumes;
using Flip.Imaging.Volumes;

namespace Flip.Imaging.Tests.MetaImage;

public sealed class MetaImageFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-mha-").FullName;

    public void Dispose() => Directory.Delete(_folder, true);

    [Theory]
    [InlineData("a.mha", true)]
    [InlineData("a.mha", false)]
    [InlineData("b.mhd", true)]
    [InlineData("b.mhd", false)]
    public void Write_then_Read_keeps_voxels_and_geometry(string name, bool compress)
    {
        var direction = VolumeAssert.Rotation(0.7, -0.2, 0.4, 0.1, flip: false);
        var volume = VolumeAssert.Random(6, 4, 3, new Vector3D(0.5, 0.5, 3.6), new Vector3D(-80, 100.25, -12), direction, 5);
        var path = Path.Combine(_folder, name);
        MetaImageFile.Write(volume, path, compress);
        var read = MetaImageFile.Read(path);
        VolumeAssert.SameGeometry(volume.Geometry, read.Geometry, 1e-9);
        Assert.Equal(volume.Voxels, read.Voxels);
        if (name.EndsWith(".mhd", StringComparison.Ordinal))
            Assert.True(File.Exists(Path.Combine(_folder, compress ? "b.zraw" : "b.raw")));
    }

    [Fact]
    public void Read_understands_a_hand_written_short_image_with_a_direction_matrix()
    {
        // Given a 2 × 2 × 1 MET_SHORT image whose first axis points posterior and second axis left
        var header = """
            ObjectType = Image
            NDims = 3
            BinaryData = True
            BinaryDataByteOrderMSB = False
            CompressedData = False
            TransformMatrix = 0 1 0 1 0 0 0 0 1
            Offset = 1.5 -2 3
            ElementSpacing = 0.5 0.25 2
            DimSize = 2 2 1
            ElementType = MET_SHORT
            ElementDataFile = LOCAL

            """.Replace("\r\n", "\n", StringComparison.Ordinal);
        var bytes = Encoding.ASCII.GetBytes(header).Concat(new byte[] { 0xFF, 0xFF, 2, 0, 0, 0x80, 0xFF, 0x7F }).ToArray();
        var path = Path.Combine(_folder, "hand.mha");
        File.WriteAllBytes(path, bytes);

        // When
        var v = MetaImageFile.Read(path);

        // Then
        Assert.Equal([-1f, 2f, -32768f, 32767f], v.Voxels);
        VolumeAssert.Near(new Vector3D(0, 1, 0), v.Geometry.Direction.I);
        VolumeAssert.Near(new Vector3D(1, 0, 0), v.Geometry.Direction.J);
        VolumeAssert.Near(new Vector3D(1.5, -2, 3), v.Geometry.Origin);
        // Voxel (1, 1, 0) is 0.5 mm along P and 0.25 mm along L from the origin.
        VolumeAssert.Near(new Vector3D(1.75, -1.5, 3), v.Geometry.IndexToPhysical(1, 1, 0));
    }

    [Fact]
    public void Read_raises_only_MetaImageFormatException_for_mutated_headers()
    {
        var volume = VolumeAssert.Random(3, 3, 2, new Vector3D(1, 1, 1), Vector3D.Zero, Direction3D.Identity, 7);
        var path = Path.Combine(_folder, "m.mha");
        MetaImageFile.Write(volume, path, compress: true);
        var original = File.ReadAllBytes(path);
        int headerLength = Encoding.ASCII.GetString(original).IndexOf("LOCAL", StringComparison.Ordinal);
        byte[] replacements = "0123456789-. e+x9\n=TrueFalse"u8.ToArray();
        Gen.Select(Gen.Int[0, headerLength - 1], Gen.Int[0, replacements.Length - 1], Gen.Int[1, 3]).Sample((at, which, count) =>
        {
            var bytes = (byte[])original.Clone();
            for (int i = 0; i < count && at + i < headerLength; i++) bytes[at + i] = replacements[(which + i) % replacements.Length];
            var mutant = Path.Combine(_folder, $"mutant-{Environment.CurrentManagedThreadId}.mha");
            File.WriteAllBytes(mutant, bytes);
            try
            {
                MetaImageFile.Read(mutant);
            }
            catch (MetaImageFormatException)
            {
                // Allowed.
            }
        }, iter: 1000, threads: 1);
    }

    [Fact]
    public void Read_reports_truncated_data_and_bad_keys()
    {
        var volume = VolumeAssert.Random(4, 4, 4, new Vector3D(1, 1, 1), Vector3D.Zero, Direction3D.Identity, 6);
        var path = Path.Combine(_folder, "t.mha");
        MetaImageFile.Write(volume, path, compress: false);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);
        var e = Assert.Throws<MetaImageFormatException>(() => MetaImageFile.Read(path));
        Assert.Equal("t.mha: voxel data has 246 bytes; expected 256 from DimSize and ElementType (file truncated?).", e.Message);

        File.WriteAllText(path, "ObjectType = Image\nNDims = 3\nDimSize = 2 2\nElementType = MET_FLOAT\nElementDataFile = LOCAL\n");
        var bad = Assert.Throws<MetaImageFormatException>(() => MetaImageFile.Read(path));
        Assert.Equal("t.mha: header DimSize = 2 2; expected 3 numbers.", bad.Message);
        Assert.Equal("DimSize", bad.Key);
    }
}
