using Flip.Federated.Runs;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Federated.Tests.Toy;

namespace Flip.Federated.Tests.Runs;

/// <summary>Run-store files (global checkpoints, strategy state, site state) with a flipped byte are refused by their SHA-256, naming the file and both hashes.</summary>
public sealed class CorruptionTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("flip-corrupt-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static void FlipByte(string path, int fromEnd)
    {
        byte[] bytes = File.ReadAllBytes(path);
        bytes[^fromEnd] ^= 0x40;
        File.WriteAllBytes(path, bytes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(40)]
    [InlineData(-13)] // counted from the start: inside the first array's name
    public void A_parameter_file_with_one_flipped_byte_is_refused_with_both_hashes(int position)
    {
        string path = Path.Combine(_root, "round-0002.params");
        ParameterSetFile.Write(path, ParameterSet.Create(ParameterArray.Float32("enc.weight", [2, 8], [.. Enumerable.Range(0, 16).Select(i => i * 0.5f)])));
        string good = Convert.ToHexStringLower(File.ReadAllBytes(path)[^32..]);
        if (position < 0)
        {
            byte[] bytes = File.ReadAllBytes(path);
            bytes[-position + 8] ^= 0x01;
            File.WriteAllBytes(path, bytes);
        }
        else
        {
            FlipByte(path, position);
        }

        var error = Assert.Throws<CorruptFileException>(() => ParameterSetFile.Read(path));

        Assert.Equal(path, error.File);
        Assert.NotEqual(error.ExpectedSha256, error.ActualSha256);
        Assert.StartsWith($"{path}: SHA-256 mismatch: expected {error.ExpectedSha256} (recorded in its last 32 bytes when the file was written), actual {error.ActualSha256};", error.Message);
        if (position != 1)
        {
            Assert.Equal(good, error.ExpectedSha256); // the data changed, the recorded hash did not
        }

        Assert.Equal(ExitCodes.BadInput, error.ExitCode);
    }

    [Fact]
    public async Task Resuming_a_run_whose_checkpoint_strategy_state_or_site_state_was_flipped_is_refused_and_names_the_file()
    {
        foreach (string kind in new[] { "global", "strategy", "site" })
        {
            // Given: a FedBN-like run with server momentum state and site state on disk
            string folder = Path.Combine(_root, kind);
            var sites = Enumerable.Range(0, 2).Select(i => new Site(new SiteId($"site-{i}"), new LinearRegressionTrainer(300 + i, [1, 2], 0.5, trainCount: 20))).ToList();
            var options = new SimulationOptions { Rounds = 2, Seed = 3 };
            await new Simulation(sites, new FedAvgM { Momentum = 0.5 }, options).RunAsync(LinearRegressionTrainer.Initial(), folder);
            var store = RunStore.Open(folder);
            string target = kind switch
            {
                "global" => store.CheckpointPath(2),
                "strategy" => store.StrategyStatePath(2),
                _ => Path.Combine(folder, RunStore.CheckpointFolderName, "round-0002.site-site-0.params"),
            };
            if (kind == "site")
            {
                // A simulated site's state checkpoint is written by the store; make one to corrupt.
                store.CommitRound(2, store.ReadCheckpoint(2), store.ReadStrategyState(2), store.ReadMetrics(),
                    new Dictionary<SiteId, ParameterSet> { [new SiteId("site-0")] = ParameterSet.Create(ParameterArray.Float32("local/bn.weight", 1, 2, 3)) });
            }

            Assert.True(File.Exists(target), target);
            FlipByte(target, 50);

            // When
            var error = await Assert.ThrowsAsync<CorruptFileException>(async () =>
            {
                if (kind == "site")
                {
                    RunStore.Open(folder).ReadSiteState(2, new SiteId("site-0"));
                }
                else
                {
                    await new Simulation([.. Enumerable.Range(0, 2).Select(i => new Site(new SiteId($"site-{i}"), new LinearRegressionTrainer(300 + i, [1, 2], 0.5, trainCount: 20)))],
                        new FedAvgM { Momentum = 0.5 }, options with { Rounds = 2 }).ResumeAsync(folder);
                }
            });

            // Then
            Assert.Equal(target, error.File);
            Assert.Contains("SHA-256 mismatch: expected ", error.Message);
            Assert.Contains("was not loaded", error.Message);
        }
    }
}
