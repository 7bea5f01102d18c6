using Flip.Flower;
using Flip.Flower.Fleet;
using Flip.Flower.Fuzzing;
using Flip.Flower.Records;
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

    [Fact]
    public void Regression_a_metric_without_a_name_or_a_list_for_num_examples_no_longer_stops_the_round()
    {
        // Found by 'fuzz fleet --cases 30000 --seed 21' (case 28624): a metric name flipped to blanks made MetricSet throw
        // ArgumentException out of FleetFederation.Read, which the round did not catch.
        var blank = new RecordDict { { RecordKeys.Metrics, new MetricRecord { { "  ", RecordValue.Of(1.0) }, { "loss", RecordValue.OfList([1.0, 2.0]) }, { RecordKeys.NumExamples, RecordValue.Of(3L) } } } };
        var (values, examples) = FleetFederation.Read(blank);
        Assert.Equal(3, examples);
        Assert.Empty(values);

        var list = new RecordDict { { RecordKeys.Metrics, new MetricRecord { { RecordKeys.NumExamples, RecordValue.OfList([1.0]) } } } };
        Assert.Contains("num-examples", Assert.Throws<FlowerProtocolException>(() => FleetFederation.Read(list)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Regression_a_record_naming_an_item_twice_is_refused_with_the_typed_error()
    {
        var proto = new Flip.Flower.Wire.MetricRecord();
        proto.Items.Add(new Flip.Flower.Wire.MetricRecord.Types.Item { Key = "loss", Value = new Flip.Flower.Wire.MetricRecordValue { Double = 1 } });
        proto.Items.Add(new Flip.Flower.Wire.MetricRecord.Types.Item { Key = "loss", Value = new Flip.Flower.Wire.MetricRecordValue { Double = 2 } });
        Assert.Contains("listed twice", Assert.Throws<FlowerProtocolException>(() => RecordSerde.FromProto(proto)).Message, StringComparison.Ordinal);
    }
}
