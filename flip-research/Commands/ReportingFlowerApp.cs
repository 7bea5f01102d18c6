using System.Globalization;
using Flip.Flower.Fleet;
using Flip.Flower.Records;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary>Prints one line when a node starts and finishes each instruction (round, step and the seconds it took), so an operator sees what the node is doing.</summary>
internal sealed class ReportingFlowerApp(IFlowerApp inner, IAnsiConsole console) : IFlowerApp
{
    public Task<RecordDict> TrainAsync(FlowerInstruction instruction, CancellationToken ct) => Report(TrainStep(instruction), instruction, () => inner.TrainAsync(instruction, ct));

    public Task<RecordDict> EvaluateAsync(FlowerInstruction instruction, CancellationToken ct) => Report("evaluating", instruction, () => inner.EvaluateAsync(instruction, ct));

    public Task<RecordDict> QueryAsync(FlowerInstruction instruction, CancellationToken ct) => inner.QueryAsync(instruction, ct);

    // A secure aggregation round is four train messages; only collect_masked_vectors trains.
    private static string TrainStep(FlowerInstruction instruction) => SecAggPlusKeys.StageOf(instruction.Content) switch
    {
        null => "training",
        SecAggPlusKeys.StageCollectMaskedVectors => "training (secure aggregation: masking the update)",
        string stage => "secure aggregation: " + stage,
    };

    private async Task<RecordDict> Report(string step, FlowerInstruction instruction, Func<Task<RecordDict>> run)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        string round = instruction.ServerRound?.ToString(CultureInfo.InvariantCulture) ?? "?";
        console.WriteLine($"round {round}: {step}");
        long start = TimeProvider.System.GetTimestamp();
        RecordDict result = await run().ConfigureAwait(false);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: {step} done in {TimeProvider.System.GetElapsedTime(start).TotalSeconds:0.00} s"));
        return result;
    }
}
