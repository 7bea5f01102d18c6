namespace Flip.Imaging.Fuzzing;

/// <summary>
/// Mutations aimed at one seed's structure, each kind with a fixed weight, drawn from a case's own random stream: a case
/// is a function of the run's seed and the case number alone (<see cref="DicomFuzzer.Case"/>).
/// </summary>
public static class DicomMutationGen
{
    /// <summary>One mutation of the seed; the kinds that need a kind of site it lacks are left out of the draw.</summary>
    /// <param name="seed">The seed.</param>
    /// <returns>The draw: the kinds the seed has sites for, by weight, then the kind's position and value.</returns>
    internal static Func<CaseRandom, DicomMutation> For(DicomFuzzSeed seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        var choices = Kinds(seed);
        return random => random.Choose(choices)(random);
    }

    /// <summary>The kinds a mutation of <paramref name="seed"/> is drawn from, with their weights, in the order they are drawn.</summary>
    /// <param name="seed">The seed.</param>
    /// <returns>Weight and draw per kind; their weights out of the total are each kind's probability.</returns>
    internal static IReadOnlyList<(int Weight, Func<CaseRandom, DicomMutation> Draw)> Kinds(DicomFuzzSeed seed)
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
        int[] aimed = defined.Length > 0 ? defined : all;
        var lengths = DicomMutation.LengthChoices(n);

        static int Pick(CaseRandom r, int[] from) => from[r.Between(0, from.Length - 1)];
        var choices = new List<(int Weight, Func<CaseRandom, DicomMutation> Draw)>
        {
            (10, r => new DicomMutation(DicomMutationKind.FlipBytes, 0, r.Between(0, n - 1), r.NextByte(), r.Between(1, 4))),
            (3, r => new DicomMutation(DicomMutationKind.Truncate, 0, r.Between(0, n - 1), 0, 0)),
            (2, r => new DicomMutation(DicomMutationKind.InsertBytes, 0, r.Between(0, n), r.NextUInt32(), r.Between(1, 16))),
            (2, r => new DicomMutation(DicomMutationKind.DeleteBytes, 0, r.Between(0, n - 1), 0, r.Between(1, 16))),
        };
        if (all.Length > 0)
        {
            choices.Add((10, r => new DicomMutation(DicomMutationKind.SetLength, Pick(r, all), 0, lengths[r.Between(0, lengths.Length - 1)], 0)));
            choices.Add((3, r => new DicomMutation(DicomMutationKind.SwapElements, Pick(r, aimed), 0, 0, 0)));
            choices.Add((2, r => new DicomMutation(DicomMutationKind.DuplicateElement, Pick(r, aimed), 0, 0, 0)));
        }
        int[] attributes = [.. all.Where(i => sites[i].Tag >> 16 is 0x0028 or 0x0020 or 0x0018 or 0x0008 && sites[i].Length is > 0 and <= 64)];
        if (attributes.Length > 0)
            choices.Add((8, r => new DicomMutation(DicomMutationKind.SetValue, Pick(r, attributes), 0, r.NextUInt32(), r.Between(0, 1))));
        if (withVr.Length > 0)
            choices.Add((6, r => new DicomMutation(DicomMutationKind.SwapVr, Pick(r, withVr), 0, (uint)r.Between(0, DicomMutation.VrChoices.Length - 1), 0)));
        if (delimiters.Length > 0)
            choices.Add((6, r => new DicomMutation(DicomMutationKind.DamageDelimiter, Pick(r, delimiters), r.Between(0, 63), r.NextUInt32(), 0)));
        if (fourByteLengths.Length > 0)
            choices.Add((3, r => new DicomMutation(DicomMutationKind.UndefinedLength, Pick(r, fourByteLengths), 0, 0, 0)));
        if (seed.Layout.TransferSyntax is not null)
            choices.Add((3, r => new DicomMutation(DicomMutationKind.BadTransferSyntax, 0, 0, (uint)r.Between(0, DicomMutation.TransferSyntaxChoices.Length - 1), r.Between(0, 1))));
        if (fragments.Length > 0)
        {
            choices.Add((6, r => new DicomMutation(DicomMutationKind.DamageFragment, Pick(r, fragments), r.Between(0, 1 << 20), r.NextUInt32(), 0)));
            // Codec streams: the start of a fragment (RLE header, JPEG markers) more often than the rest.
            (int, Func<CaseRandom, int>)[] position = [(3, r => r.Between(0, 127)), (2, r => r.Between(0, int.MaxValue))];
            choices.Add((12, r => new DicomMutation(DicomMutationKind.DamageCodecStream, Pick(r, fragments), r.Choose(position)(r), r.NextByte(), r.Between(1, 3))));
        }
        return choices;
    }

    /// <summary>One case: a seed, then one mutation (weight 6), two (weight 3) or three (weight 1) applied in turn.</summary>
    /// <param name="seeds">The seeds.</param>
    /// <returns>The draw of (seed index, mutations).</returns>
    internal static Func<CaseRandom, (int Seed, DicomMutation[] Mutations)> Cases(IReadOnlyList<DicomFuzzSeed> seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        var perSeed = seeds.Select(For).ToArray();
        (int, int)[] counts = [(6, 1), (3, 2), (1, 3)];
        return random =>
        {
            int seed = random.Between(0, seeds.Count - 1);
            var mutations = new DicomMutation[random.Choose(counts)];
            for (int m = 0; m < mutations.Length; m++) mutations[m] = perSeed[seed](random);
            return (seed, mutations);
        };
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
