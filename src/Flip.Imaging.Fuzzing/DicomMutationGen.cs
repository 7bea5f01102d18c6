using CsCheck;

namespace Flip.Imaging.Fuzzing;

/// <summary>CsCheck generators of mutations aimed at one seed's structure.</summary>
public static class DicomMutationGen
{
    /// <summary>One mutation of the seed; the kinds that need a kind of site it lacks fall back to byte flips.</summary>
    /// <param name="seed">The seed.</param>
    /// <returns>The generator.</returns>
    public static Gen<DicomMutation> For(DicomFuzzSeed seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        int n = seed.Bytes.Length;
        var sites = seed.Layout.Sites;
        int[] all = [.. Enumerable.Range(0, sites.Count)];
        int[] withVr = [.. all.Where(i => sites[i].VrOffset >= 0)];
        int[] delimiters = [.. all.Where(i => sites[i].IsDelimiterOrItem)];
        int[] fourByteLengths = [.. all.Where(i => sites[i].LengthWidth == 4 && sites[i].Length != 0xFFFFFFFF)];
        int pixel = all.FirstOrDefault(i => sites[i].Tag == 0x7FE00010 && sites[i].Length == 0xFFFFFFFF, -1);
        int[] fragments = pixel < 0 ? [] : [.. all.Where(i => i > pixel && sites[i].Tag == 0xFFFEE000)];
        int[] defined = [.. all.Where(i => sites[i].Length != 0xFFFFFFFF && !sites[i].IsDelimiterOrItem)];
        var lengths = DicomMutation.LengthChoices(n);

        var flip = Gen.Select(Gen.Int[0, n - 1], Gen.Byte, Gen.Int[1, 4]).Select((at, v, c) => new DicomMutation(DicomMutationKind.FlipBytes, 0, at, v, c));
        var cut = Gen.Int[0, n - 1].Select(at => new DicomMutation(DicomMutationKind.Truncate, 0, at, 0, 0));
        var insert = Gen.Select(Gen.Int[0, n], Gen.UInt, Gen.Int[1, 16]).Select((at, v, c) => new DicomMutation(DicomMutationKind.InsertBytes, 0, at, v, c));
        var delete = Gen.Select(Gen.Int[0, n - 1], Gen.Int[1, 16]).Select((at, c) => new DicomMutation(DicomMutationKind.DeleteBytes, 0, at, 0, c));
        var choices = new List<(int, IGen<DicomMutation>)> { (10, flip), (3, cut), (2, insert), (2, delete) };

        Gen<int> Pick(int[] from) => Gen.Int[0, from.Length - 1].Select(i => from[i]);
        if (all.Length > 0)
        {
            choices.Add((10, Gen.Select(Pick(all), Gen.Int[0, lengths.Length - 1]).Select((s, v) => new DicomMutation(DicomMutationKind.SetLength, s, 0, lengths[v], 0))));
            choices.Add((3, Pick(defined.Length > 0 ? defined : all).Select(s => new DicomMutation(DicomMutationKind.SwapElements, s, 0, 0, 0))));
            choices.Add((2, Pick(defined.Length > 0 ? defined : all).Select(s => new DicomMutation(DicomMutationKind.DuplicateElement, s, 0, 0, 0))));
        }
        int[] attributes = [.. all.Where(i => sites[i].Tag >> 16 is 0x0028 or 0x0020 or 0x0018 or 0x0008 && sites[i].Length is > 0 and <= 64)];
        if (attributes.Length > 0)
            choices.Add((8, Gen.Select(Pick(attributes), Gen.UInt, Gen.Int[0, 1]).Select((s, v, c) => new DicomMutation(DicomMutationKind.SetValue, s, 0, v, c))));
        if (withVr.Length > 0)
            choices.Add((6, Gen.Select(Pick(withVr), Gen.Int[0, DicomMutation.VrChoices.Length - 1]).Select((s, v) => new DicomMutation(DicomMutationKind.SwapVr, s, 0, (uint)v, 0))));
        if (delimiters.Length > 0)
            choices.Add((6, Gen.Select(Pick(delimiters), Gen.Int[0, 63], Gen.UInt).Select((s, p, v) => new DicomMutation(DicomMutationKind.DamageDelimiter, s, p, v, 0))));
        if (fourByteLengths.Length > 0)
            choices.Add((3, Pick(fourByteLengths).Select(s => new DicomMutation(DicomMutationKind.UndefinedLength, s, 0, 0, 0))));
        if (seed.Layout.TransferSyntax is not null)
            choices.Add((3, Gen.Select(Gen.Int[0, DicomMutation.TransferSyntaxChoices.Length - 1], Gen.Int[0, 1]).Select((v, c) => new DicomMutation(DicomMutationKind.BadTransferSyntax, 0, 0, (uint)v, c))));
        if (fragments.Length > 0)
        {
            choices.Add((6, Gen.Select(Pick(fragments), Gen.Int[0, 1 << 20], Gen.UInt).Select((s, p, v) => new DicomMutation(DicomMutationKind.DamageFragment, s, p, v, 0))));
            // Codec streams: the start of a fragment (RLE header, JPEG markers) more often than the rest.
            var position = Gen.Frequency((3, Gen.Int[0, 127]), (2, Gen.Int[0, int.MaxValue]));
            choices.Add((12, Gen.Select(Pick(fragments), position, Gen.Byte, Gen.Int[1, 3]).Select((s, p, v, c) => new DicomMutation(DicomMutationKind.DamageCodecStream, s, p, v, c))));
        }
        return Gen.Frequency([.. choices]);
    }

    /// <summary>One case: a seed and one to three mutations applied in turn.</summary>
    /// <param name="seeds">The seeds.</param>
    /// <returns>The generator of (seed index, mutations).</returns>
    public static Gen<(int Seed, DicomMutation[] Mutations)> Cases(IReadOnlyList<DicomFuzzSeed> seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        var perSeed = seeds.Select(For).ToArray();
        return Gen.Int[0, seeds.Count - 1].SelectMany(i => Gen.Frequency((6, perSeed[i].Array[1]), (3, perSeed[i].Array[2]), (1, perSeed[i].Array[3])).Select(m => (i, m)));
    }

    /// <summary>Applies a case's mutations to its seed.</summary>
    /// <param name="seed">The seed.</param>
    /// <param name="mutations">The mutations, in order.</param>
    /// <returns>The mutant bytes.</returns>
    public static byte[] Apply(DicomFuzzSeed seed, IEnumerable<DicomMutation> mutations)
    {
        ArgumentNullException.ThrowIfNull(seed);
        ArgumentNullException.ThrowIfNull(mutations);
        var bytes = seed.Bytes;
        foreach (var m in mutations) bytes = m.Apply(seed, bytes);
        return bytes;
    }
}
