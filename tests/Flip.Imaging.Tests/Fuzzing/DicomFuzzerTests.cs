using Flip.Imaging.Dicom;
using Flip.Imaging.Fuzzing;
using Flip.Imaging.Volumes;

namespace Flip.Imaging.Tests.Fuzzing;

/// <summary>The CI sample of <c>flip-research fuzz dicom</c>, the fuzzer's own guards, and one regression test per crash the long runs found.</summary>
public sealed class DicomFuzzerTests(FuzzSeedsFixture fixture) : IClassFixture<FuzzSeedsFixture>
{
    private static string Regression(string name) => Path.Combine(AppContext.BaseDirectory, "Fuzzing", "Regressions", name);

    [Fact]
    public void Seeds_cover_every_transfer_syntax_dcmtk_makes_and_read_completely()
    {
        Assert.Empty(fixture.Skipped);
        var syntaxes = fixture.Seeds.Select(s => DicomFile.Parse(s.Bytes).TransferSyntax.Uid).ToHashSet();
        Assert.Superset(new HashSet<string>
        {
            TransferSyntax.ExplicitVrLittleEndian.Uid, TransferSyntax.ImplicitVrLittleEndian.Uid, TransferSyntax.ExplicitVrBigEndian.Uid,
            TransferSyntax.DeflatedExplicitVrLittleEndian.Uid, TransferSyntax.RleLossless.Uid, TransferSyntax.JpegLosslessProcess14.Uid,
            TransferSyntax.JpegLosslessProcess14Sv1.Uid, TransferSyntax.JpegLsLossless.Uid,
        }, syntaxes);

        // Every grey-scale seed goes the whole way to a volume; RGB seeds decode and are then refused by volume assembly (one sample per pixel).
        foreach (var seed in fixture.Seeds)
        {
            if (seed.Name.EndsWith("rgb8", StringComparison.Ordinal))
                Assert.Contains("samples per pixel", Assert.Throws<VolumeAssemblyException>(() => DicomReadPath.ReadEverything(seed.Bytes)).Message);
            else
                Assert.Contains("volume", DicomReadPath.ReadEverything(seed.Bytes));
        }
    }

    [Fact]
    public void Layout_finds_the_transfer_syntax_lengths_delimiters_and_fragments()
    {
        var rle = fixture.Seeds.Single(s => s.Name == "dcmtk-rle-mono16-multiframe");
        Assert.NotNull(rle.Layout.TransferSyntax);
        int pixel = rle.Layout.Sites.ToList().FindIndex(s => s.Tag == 0x7FE00010);
        Assert.Equal(0xFFFFFFFFu, rle.Layout.Sites[pixel].Length);
        // Offset table + one fragment per frame + the sequence delimiter.
        Assert.Equal(4, rle.Layout.Sites.Skip(pixel + 1).Count(s => s.Tag == 0xFFFEE000));
        Assert.Equal(0xFFFEE0DDu, rle.Layout.Sites[^1].Tag);

        var undefined = fixture.Seeds.Single(s => s.Name == "dcmtk-undefined-lengths-mono16");
        Assert.Contains(undefined.Layout.Sites, s => s.Tag == 0xFFFEE00D && s.Depth >= 1);
    }

    [Fact]
    public void Sample_of_mutants_raises_only_the_typed_format_errors()
    {
        // The CI sample of 'flip-research fuzz dicom' (the long runs use 100,000+ cases).
        var report = DicomFuzzer.Run(fixture.Seeds, new DicomFuzzOptions { Cases = 3000, Seed = 20261129 });

        Assert.True(report.Findings.Count == 0, string.Join("\n\n", report.Findings.Select(f => $"{f.Signature} ({f.SeedName}: {string.Join("; ", f.Mutations)})\n{f.Detail}")));
        Assert.Equal(3000, report.Cases);
        Assert.True(report.Accepted > 0 && report.Rejected > report.Cases / 2, $"{report.Accepted} accepted, {report.Rejected} rejected");
        Assert.True(report.RejectionsByKind.Count(k => k.Value > 0) >= 10, "every mutation family should produce rejected files");
    }

    [Fact]
    public void Cases_are_reproducible_from_the_run_seed()
    {
        var a = DicomFuzzer.Case(fixture.Seeds, 42, 1234);
        var b = DicomFuzzer.Case(fixture.Seeds, 42, 1234);
        Assert.Equal(a.Seed, b.Seed);
        Assert.Equal(a.Mutations, b.Mutations);
        Assert.Equal(DicomMutationGen.Apply(fixture.Seeds[a.Seed], a.Mutations), DicomMutationGen.Apply(fixture.Seeds[b.Seed], b.Mutations));
    }

    [Fact]
    public void Mutation_kinds_are_drawn_with_their_weights()
    {
        // Given a seed with every kind of site (explicit VRs, items and delimiters, RLE fragments) and the weights of each kind
        var rle = fixture.Seeds.Single(s => s.Name == "dcmtk-rle-mono16-multiframe");
        var weights = new Dictionary<DicomMutationKind, int>
        {
            [DicomMutationKind.FlipBytes] = 10, [DicomMutationKind.Truncate] = 3, [DicomMutationKind.InsertBytes] = 2, [DicomMutationKind.DeleteBytes] = 2,
            [DicomMutationKind.SetLength] = 10, [DicomMutationKind.SwapElements] = 3, [DicomMutationKind.DuplicateElement] = 2, [DicomMutationKind.SetValue] = 8,
            [DicomMutationKind.SwapVr] = 6, [DicomMutationKind.DamageDelimiter] = 6, [DicomMutationKind.UndefinedLength] = 3,
            [DicomMutationKind.BadTransferSyntax] = 3, [DicomMutationKind.DamageFragment] = 6, [DicomMutationKind.DamageCodecStream] = 12,
        };
        Assert.Equal(weights, DicomMutationGen.Kinds(rle).ToDictionary(k => k.Draw(new CaseRandom(0, 0)).Kind, k => k.Weight));

        // When 20,000 cases are drawn from it
        var cases = Enumerable.Range(0, 20_000).Select(i => DicomFuzzer.Case([rle], 5, i).Mutations).ToList();

        // Then each kind's share of the mutations is its weight out of 76, and cases hold 1, 2 or 3 mutations 6 : 3 : 1
        var drawn = cases.SelectMany(m => m).CountBy(m => m.Kind).ToDictionary();
        double total = drawn.Values.Sum();
        Assert.All(weights, w => Assert.InRange(drawn.GetValueOrDefault(w.Key) / total, (w.Value / 76.0) - 0.01, (w.Value / 76.0) + 0.01));
        var lengths = cases.CountBy(m => m.Length).ToDictionary();
        Assert.Equal([1, 2, 3], lengths.Keys.Order());
        Assert.InRange(lengths[1] / 20_000.0, 0.58, 0.62);
        Assert.InRange(lengths[3] / 20_000.0, 0.08, 0.12);
    }

    [Fact]
    public void A_seed_without_fragments_never_draws_the_fragment_kinds()
    {
        var native = fixture.Seeds.Single(s => s.Name == "writer-explicit-mono16");

        var kinds = Enumerable.Range(0, 2_000).SelectMany(i => DicomFuzzer.Case([native], 9, i).Mutations).Select(m => m.Kind).ToHashSet();

        Assert.DoesNotContain(DicomMutationKind.DamageFragment, kinds);
        Assert.DoesNotContain(DicomMutationKind.DamageCodecStream, kinds);
        Assert.Contains(DicomMutationKind.SwapVr, kinds);
    }

    [Fact]
    public void Allocation_guard_reports_a_case_over_its_budget_and_saves_the_input()
    {
        string folder = Path.Combine(Path.GetTempPath(), "flip-fuzz-out-" + Guid.NewGuid().ToString("N"));
        try
        {
            var report = DicomFuzzer.Run(fixture.Seeds, new DicomFuzzOptions { Cases = 20, AllocationBase = 0, AllocationPerFileByte = 0, OutputFolder = folder });

            var finding = Assert.Single(report.Findings, f => f.Case == 0);
            Assert.Equal("allocation", finding.Kind);
            Assert.Contains("budget 0.", finding.Detail);
            Assert.True(File.Exists(finding.SavedAs));
            Assert.Equal(finding.Input, File.ReadAllBytes(finding.SavedAs!));
            string described = File.ReadAllText(Path.ChangeExtension(finding.SavedAs!, ".txt"));
            Assert.Contains(finding.Signature, described);
            Assert.Contains("case: 0", described);
            Assert.Contains("run seed: 1", described); // with the case number, all a replay needs: DicomFuzzer.Case(seeds, 1, 0)
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Regression_zero_pixel_spacing_is_refused_by_volume_assembly_not_an_ArgumentException()
    {
        // Found by 'fuzz dicom --seed 2' (case 168,234): one flipped byte made Pixel Spacing 0.9\0; VolumeGeometry threw ArgumentException.
        var e = Assert.Throws<VolumeAssemblyException>(() => DicomReadPath.ReadEverything(File.ReadAllBytes(Regression("zero-pixel-spacing.dcm"))));
        Assert.Contains("expected two finite distances above zero in mm", e.Message);
        Assert.Contains("Pixel Spacing", e.Message);
    }

    [Fact]
    public void Regression_a_huge_but_finite_slice_thickness_gives_a_volume_not_an_ArgumentException()
    {
        // Found by 'fuzz dicom --seed 6' (case 138,183): Slice Thickness 1e308 on a single slice; VolumeGeometry squared the spacing
        // to check it, overflowed to infinity and threw ArgumentException for a finite value.
        var summary = DicomReadPath.ReadEverything(File.ReadAllBytes(Regression("huge-slice-thickness.dcm")));
        Assert.Contains("volume 5×6×1", summary);
    }
}
