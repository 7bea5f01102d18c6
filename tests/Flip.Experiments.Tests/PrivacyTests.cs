using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Flip.Datasets;
using Flip.Datasets.Samples;
using Flip.Datasets.Synthetic;
using Flip.Federated;
using Flip.Federated.Runs;
using Flip.Federated.Simulations;
using Flip.Federated.Strategies;
using Flip.Learning.Models;
using Flip.Learning.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Flip.Experiments.Tests;

/// <summary>Nothing that leaves a site carries a patient's name, id, birth date or pixels.</summary>
[Collection("Torch")]
public sealed class PrivacyTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-privacy-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Records every reply a site sends, as the wire would carry it.</summary>
    private sealed class Recording(ISiteTrainer inner, ConcurrentBag<object> sent) : ISiteTrainer
    {
        public async Task<SiteUpdate> TrainAsync(ParameterSet global, TrainConfig config, SiteState state, CancellationToken ct)
        {
            SiteUpdate update = await inner.TrainAsync(global, config, state, ct);
            sent.Add(update);
            return update;
        }

        public async Task<SiteEvaluation> EvaluateAsync(ParameterSet global, EvaluateConfig config, SiteState state, CancellationToken ct)
        {
            SiteEvaluation evaluation = await inner.EvaluateAsync(global, config, state, ct);
            sent.Add(evaluation);
            return evaluation;
        }

        public SiteSummary Describe()
        {
            SiteSummary summary = inner.Describe();
            sent.Add(summary);
            return summary;
        }
    }

    /// <summary>Keeps every formatted log line, with its exception.</summary>
    private sealed class CapturingLogger(ConcurrentBag<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => lines.Add(formatter(state, exception) + " " + exception);
    }

    [Fact]
    public async Task No_name_id_birth_date_or_pixel_run_leaves_a_site_in_a_whole_simulation()
    {
        // Given: three hospitals of the synthetic cohort, with their fake identities
        Cohort cohort = SyntheticCohort.Flip6(new SyntheticCohortOptions { Scale = 0.02, Seed = 11 });
        var hospitals = cohort.Sites.Take(3).ToList();
        var sent = new ConcurrentBag<object>();
        var lines = new ConcurrentBag<string>();
        torch.manual_seed(1);
        using var workspace = new ModelWorkspace(() => new UNet2D(3, 2, 4, levels: 3), torch.CPU);
        var slices = hospitals.Select(h => SliceSetBuilder.Build(h.Patients)).ToList();
        var sites = hospitals.Select((h, i) => new Site(new SiteId(h.Id),
            new Recording(new SegmentationSiteTrainer(slices[i], slices[i], workspace), sent), new CapturingLogger(lines))).ToList();
        foreach (Site site in sites)
        {
            site.Describe();
        }

        // When: two rounds of FedProx with a run folder and one site failing in round 2
        var simulation = new Simulation(sites, new FedProx { MinTrainSites = 1 }, new SimulationOptions { Rounds = 2, Seed = 3, DropoutProbability = 0.3 },
            new CapturingLogger(lines));
        RunResult run = await simulation.RunAsync(workspace.Model.ToParameterSet(), Path.Combine(_folder, "run"));

        // Then: gather everything that left the sites or was written by the server
        var text = new StringBuilder();
        foreach (object message in sent)
        {
            text.AppendLine(message.ToString());
            if (message is SiteUpdate update)
            {
                text.AppendLine(string.Join(",", update.Metrics.Keys)).AppendLine(string.Join(",", update.Parameters.Names));
            }
        }

        foreach (string line in lines)
        {
            text.AppendLine(line);
        }

        foreach (string file in Directory.EnumerateFiles(Path.Combine(_folder, "run"), "*", SearchOption.AllDirectories))
        {
            text.AppendLine(Encoding.Latin1.GetString(File.ReadAllBytes(file)));
        }

        string all = text.ToString();
        Assert.True(lines.Count > 0, "the simulation logged nothing, so the log scan proves nothing");
        foreach (Patient patient in hospitals.SelectMany(h => h.Patients))
        {
            PatientIdentity who = patient.Identity;
            Assert.DoesNotContain(who.PatientId, all);
            Assert.DoesNotContain(who.Name, all);
            Assert.DoesNotContain(who.Name.Split('^')[0] + " ", all.Replace('\n', ' '), StringComparison.Ordinal);
            Assert.DoesNotContain(who.BirthDate.ToString("yyyyMMdd", CultureInfo.InvariantCulture), all);
            Assert.DoesNotContain(who.BirthDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), all);
            Assert.DoesNotContain(patient.Key, all); // even the pseudonym stays at the site
        }

        // No run of 8 consecutive normalised pixel values of any slice appears in any parameter array sent.
        var windows = new HashSet<(float, float, float, float, float, float, float, float)>();
        foreach (SliceSet set in slices)
        {
            for (int i = 0; i + 8 <= set.Images.Length; i += 97)
            {
                var w = set.Images.AsSpan(i, 8);
                windows.Add((w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]));
            }
        }

        foreach (SiteUpdate update in sent.OfType<SiteUpdate>())
        {
            foreach (ParameterArray array in update.Parameters.Where(a => a.DataType == ParameterDataType.Float32))
            {
                ReadOnlySpan<float> v = array.AsFloat32().Span;
                for (int i = 0; i + 8 <= v.Length; i++)
                {
                    Assert.DoesNotContain((v[i], v[i + 1], v[i + 2], v[i + 3], v[i + 4], v[i + 5], v[i + 6], v[i + 7]), windows);
                }
            }
        }

        Assert.True(sent.OfType<SiteUpdate>().Any() && run.RoundsCompleted == 2);
    }
}
