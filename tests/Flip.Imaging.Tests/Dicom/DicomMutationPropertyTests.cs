using System.Buffers.Binary;
using CsCheck;
using Flip.Imaging.Dicom;

namespace Flip.Imaging.Tests.Dicom;

/// <summary>Mutated valid files raise only <see cref="DicomFormatException"/>, never another exception type.</summary>
[Collection("dcmtk")]
public sealed class DicomMutationPropertyTests(DcmtkFixture files)
{
    private static void ReadEverything(byte[] bytes)
    {
        try
        {
            var file = DicomFile.Parse(bytes, "mutant.dcm");
            DicomJsonDump.ToJson(file);
        }
        catch (DicomFormatException)
        {
            // The one allowed outcome besides success.
        }
    }

    public static TheoryData<string> Variants() => new([.. DcmtkFixture.Variants, .. DcmtkFixture.EncapsulatedVariants]);

    [Theory]
    [MemberData(nameof(Variants))]
    public void Flipped_bytes_raise_only_DicomFormatException(string name)
    {
        var original = File.ReadAllBytes(files.PathOf(name));
        Gen.Select(Gen.Int[0, original.Length - 1], Gen.Byte, Gen.Int[1, 4]).Sample((at, value, count) =>
        {
            var bytes = (byte[])original.Clone();
            for (int i = 0; i < count && at + i < bytes.Length; i++) bytes[at + i] ^= (byte)(value | 1);
            ReadEverything(bytes);
        }, iter: 2000);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Cut_files_raise_only_DicomFormatException(string name)
    {
        var original = File.ReadAllBytes(files.PathOf(name));
        for (int length = 0; length < original.Length; length++) ReadEverything(original[..length]);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Changed_lengths_raise_only_DicomFormatException(string name)
    {
        // Overwrite 16- or 32-bit words with boundary values, wherever they are: many of them are lengths.
        var original = File.ReadAllBytes(files.PathOf(name));
        uint[] specials = [0, 1, 2, 3, 0xFF, 0xFFFF, 0xFFFE, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF, (uint)original.Length, (uint)original.Length + 1];
        Gen.Select(Gen.Int[0, original.Length - 4], Gen.Int[0, specials.Length - 1], Gen.Bool).Sample((at, which, wide) =>
        {
            var bytes = (byte[])original.Clone();
            if (wide) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), specials[which]);
            else BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), (ushort)specials[which]);
            ReadEverything(bytes);
        }, iter: 2000);
    }
}
