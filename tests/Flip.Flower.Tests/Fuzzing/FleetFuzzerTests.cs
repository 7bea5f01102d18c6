using Flip.Flower.Fuzzing;
using Flip.Flower.Tests.Fleet;
using Xunit.Abstractions;

namespace Flip.Flower.Tests.Fuzzing;

/// <summary>The CI sample of <c>flip-research fuzz fleet</c> (long runs use 100,000+ cases): mutated replies through the server's decode path and over loopback gRPC.</summary>
[Collection(nameof(ServerMemoryCollection))]
public sealed class FleetFuzzerTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sample_of_mutated_replies_is_refused_with_the_typed_error_and_never_allocates_beyond_the_budget()
    {
        // When: 3,000 mutants on the decode path and 60 over the wire
        FleetFuzzReport report = await FleetFuzzer.RunAsync(new FleetFuzzOptions { Cases = 3000, WireCases = 60, Seed = 20261207 });
        output.WriteLine($"{report.Cases} decode cases ({report.Accepted} accepted, {report.Refused} refused), {report.WireCases} wire cases " +
            $"({string.Join(", ", report.WireStatuses.Select(s => $"{s.Key} {s.Value}"))}); peak per case {report.PeakCaseAllocatedBytes:N0} B, managed peak {report.PeakManagedBytes:N0} B");

        // Then: no finding; every mutation family reached a refusal; nothing allocated beyond its budget (checked per case)
        Assert.True(report.Findings.Count == 0, string.Join("\n\n", report.Findings.Select(f => $"{f.Kind} {f.Signature} ({f.Path} case {f.Case}: {string.Join("; ", f.Mutations)})\n{f.Detail}")));
        Assert.Equal(3000, report.Cases);
        Assert.Equal(60, report.WireCases);
        Assert.True(report.Refused > report.Cases / 2, $"{report.Accepted} accepted, {report.Refused} refused");
        Assert.All(Enum.GetValues<FleetMutationKind>().Where(k => k != FleetMutationKind.Tree), k => Assert.True(report.RefusedByKind[k] > 0, $"{k} never refused"));
        Assert.True(report.WireStatuses.Keys.Count(k => k != "OK") >= 2, "the wire sample should meet several refusals");
    }
}
