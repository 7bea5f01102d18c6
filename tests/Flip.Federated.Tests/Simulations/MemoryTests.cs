using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Federated.Tests.Toy;

namespace Flip.Federated.Tests.Simulations;

public sealed class MemoryTests
{
    [Fact]
    public async Task Sites_updates_of_a_round_are_released_once_it_is_aggregated()
    {
        // Given a trainer that remembers (weakly) every update it returns and, when round 2 starts,
        // counts how many of round 1's are still reachable,
        var sent = new List<(int Round, WeakReference Update)>();
        int aliveFromRoundOne = -1;
        var trainer = new ScriptedTrainer((p, config) =>
        {
            if (config.Round == 2 && aliveFromRoundOne < 0)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                lock (sent)
                {
                    aliveFromRoundOne = sent.Count(s => s.Round == 1 && s.Update.IsAlive);
                }
            }

            var update = ParameterMath.Scale(p, 1);
            lock (sent)
            {
                sent.Add((config.Round, new WeakReference(update)));
            }

            return new SiteUpdate(update, ParameterKind.Full, 1, MetricSet.Empty);
        });
        var sites = Enumerable.Range(0, 3).Select(i => new Site(new SiteId($"site-{i}"), trainer)).ToList();

        // When the simulation runs two rounds,
        await new Simulation(sites, new FedAvg(), new SimulationOptions { Rounds = 2 }).RunAsync(LinearRegressionTrainer.Initial());

        // Then round 1's updates were garbage by then: at most one ParameterSet per site is live.
        Assert.Equal(0, aliveFromRoundOne);
    }
}
