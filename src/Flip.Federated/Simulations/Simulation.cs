using System.Globalization;
using System.Reflection;
using Flip.Federated.Rounds;
using Flip.Federated.Runs;
using Flip.Federated.Strategies;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flip.Federated.Simulations;

/// <summary>
/// Runs a federation's rounds in one process: the one <see cref="RoundLoop"/> over the sites of this process (bounded
/// parallelism, injected dropouts and stragglers, a per-site deadline), as the servers run it over real nodes.
/// </summary>
/// <remarks>
/// Same seed, same metrics: every round's randomness comes from <see cref="SimulationOptions.Seed"/>
/// and the round number, every site's from those and the site's position; replies are gathered in
/// instruction order whatever order sites finish in. Wall time (from the injected
/// <see cref="TimeProvider"/>) appears only in <see cref="RoundReport.Elapsed"/>.
/// </remarks>
public sealed class Simulation
{
    private readonly IReadOnlyList<Site> _sites;
    private readonly Strategy _strategy;
    private readonly SimulationOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Creates a simulation.</summary>
    /// <param name="sites">The sites, in a fixed order (it determines their seeds).</param>
    /// <param name="strategy">The strategy; a fresh instance per run, as it may keep server state.</param>
    /// <param name="options">Rounds, seed, parallelism, injected failures.</param>
    /// <param name="logger">Where to log; <see cref="NullLogger"/> by default.</param>
    /// <param name="timeProvider">The clock for deadlines and elapsed times; <see cref="TimeProvider.System"/> by default.</param>
    public Simulation(IReadOnlyList<Site> sites, Strategy strategy, SimulationOptions options, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(sites);
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(options);
        _sites = [.. sites];
        _strategy = strategy;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// Sites that never train but evaluate the global model every round, such as the pooled test set
    /// of all hospitals. Their rows carry their own id; they are not part of the strategy's federated
    /// aggregate.
    /// </summary>
    /// <value>None.</value>
    public IReadOnlyList<Site> EvaluationOnlySites { get; init; } = [];

    /// <summary>Every problem with the options, the strategy and the sites, one sentence each.</summary>
    /// <returns>The problems; empty when the simulation can start.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        problems.AddRange(_options.Validate());
        problems.AddRange(_strategy.Validate().Select(p => $"{_strategy.Name}: {p}"));
        if (_sites.Count == 0)
        {
            problems.Add("There are no sites.");
        }

        foreach (var duplicate in _sites.Concat(EvaluationOnlySites).GroupBy(s => s.Id).Where(g => g.Count() > 1))
        {
            problems.Add($"Site id {duplicate.Key} appears {duplicate.Count()} times; ids must be unique.");
        }

        return problems;
    }

    /// <summary>Runs every round from the initial parameters.</summary>
    /// <param name="initial">The initial global parameters.</param>
    /// <param name="runFolder">Where to write the run folder, or <see langword="null"/> to keep everything in memory.</param>
    /// <param name="progress">Receives a report after every round.</param>
    /// <param name="ct">Stops the run between rounds (and cancels sites' work).</param>
    /// <returns>The final parameters, the metrics and the failures.</returns>
    /// <exception cref="ValidationException">The options, strategy or sites are invalid (all problems listed).</exception>
    /// <exception cref="AggregationException">Too few sites answered and <see cref="SimulationOptions.OnTooFewSites"/> is <see cref="TooFewSitesPolicy.Fail"/>.</exception>
    /// <exception cref="RunStoreException">The run folder already holds a run.</exception>
    public async Task<RunResult> RunAsync(ParameterSet initial, string? runFolder = null, IProgress<RoundReport>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ThrowIfInvalid();
        RunStore? store = runFolder is null ? null : RunStore.Create(runFolder, DescribeRun());
        return await Loop().RunAsync(initial, store, progress, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Continues a run after a crash or Ctrl-C from its last finished round, with the same sites,
    /// strategy and options; the metrics end identical to an uninterrupted run's.
    /// </summary>
    /// <param name="runFolder">The run folder written by <see cref="RunAsync"/>.</param>
    /// <param name="progress">Receives a report after every round.</param>
    /// <param name="ct">Stops the run between rounds.</param>
    /// <returns>The result of the whole run, including the rounds before the interruption.</returns>
    /// <exception cref="RunStoreException">The folder holds no run, or it was started with another strategy, seed or sites.</exception>
    /// <remarks>
    /// The global model, the strategy's server state and the parameter parts of every site's
    /// <see cref="SiteState"/> (FedBN and local-only layers, SCAFFOLD's cᵢ; written beside the
    /// checkpoint, which in a simulation is on the sites' own machine) are restored. Objects a trainer
    /// keeps in its state (an optimizer it does not recreate each round) are not: a resumed run is
    /// exact when the trainer rebuilds those each round, as Flower clients usually do.
    /// </remarks>
    public Task<RunResult> ResumeAsync(string runFolder, IProgress<RoundReport>? progress = null, CancellationToken ct = default)
    {
        ThrowIfInvalid();
        var store = RunStore.Open(runFolder);
        var info = DescribeRun();
        Check(store, "the strategy", store.Info.Strategy, info.Strategy);
        Check(store, "the seed", store.Info.Seed.ToString(CultureInfo.InvariantCulture), info.Seed.ToString(CultureInfo.InvariantCulture));
        Check(store, "the sites", string.Join(' ', store.Info.Sites), string.Join(' ', info.Sites));
        Check(store, "the number of rounds", store.Info.Rounds.ToString(CultureInfo.InvariantCulture), info.Rounds.ToString(CultureInfo.InvariantCulture));
        if (store.Info.Model.Count > 0)
        {
            Check(store, "the model", Describe(store.Info.Model), Describe(info.Model));
        }

        return Loop().ResumeAsync(store, progress, ct);
    }

    // The one round loop over this process's sites.
    private RoundLoop Loop() => new(new InProcessGrid(_sites, EvaluationOnlySites, _options, _logger, _time), _strategy, new RoundLoopOptions
    {
        Rounds = _options.Rounds,
        Seed = _options.Seed,
        OnTooFewSites = _options.OnTooFewSites,
        EvaluateInitialModel = _options.EvaluateInitialModel,
        EarlyStopping = _options.EarlyStopping,
    }, _logger, _time);

    /// <summary>The contents of <c>run.json</c> for this simulation.</summary>
    /// <returns>Strategy, settings, seed, sites and versions.</returns>
    public RunInfo DescribeRun() => new()
    {
        Strategy = _strategy.Name,
        StrategySettings = Settings(_strategy),
        Rounds = _options.Rounds,
        Seed = _options.Seed,
        Sites = [.. _sites.Select(s => s.Id.Value)],
        SiteSummaries = _sites.ToDictionary(s => s.Id.Value, s => s.Describe(), StringComparer.Ordinal),
        Model = new Dictionary<string, string>(_options.Model, StringComparer.Ordinal),
        SimulationSettings = Settings(_options),
        Versions = new Dictionary<string, string>
        {
            ["flip-federated"] = typeof(Simulation).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
            ["dotnet"] = Environment.Version.ToString(),
        },
        InputHashes = new Dictionary<string, string>(_options.InputHashes, StringComparer.Ordinal),
        CreatedUtc = _time.GetUtcNow(),
    };

    private static string Describe(IReadOnlyDictionary<string, string> model) =>
        string.Join(", ", model.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"));

    private static void Check(RunStore store, string field, string recorded, string given)
    {
        if (recorded != given)
        {
            throw RunStoreException.DoesNotMatch(store.Folder, field, recorded, given);
        }
    }

    private void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw ValidationException.Of("the simulation", problems);
        }
    }

    private static Dictionary<string, string> Settings(object source)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        AddSettings(settings, source, prefix: string.Empty, depth: 0);
        return settings;
    }

    // Public settings as invariant text; nested option records of this library are flattened as
    // "Outer.Inner"; parameter sets, delegates and dictionaries are left out (run.json has them elsewhere or they have no text).
    private static void AddSettings(Dictionary<string, string> settings, object source, string prefix, int depth)
    {
        foreach (var property in source.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            if (property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            string name = prefix + property.Name;
            object? value = property.GetValue(source);
            switch (value)
            {
                case null:
                    settings[name] = "null";
                    break;
                case string text:
                    settings[name] = text;
                    break;
                case bool flag:
                    settings[name] = flag ? "true" : "false";
                    break;
                case double number:
                    settings[name] = number.ToString("R", CultureInfo.InvariantCulture);
                    break;
                case IFormattable formattable:
                    settings[name] = formattable.ToString(null, CultureInfo.InvariantCulture);
                    break;
                case IEnumerable<string> names:
                    settings[name] = string.Join(',', names);
                    break;
                case ParameterSet or Delegate or System.Collections.IDictionary or IReadOnlyDictionary<string, string>:
                    break;
                default:
                    if (depth < 2 && value.GetType().Assembly == typeof(Simulation).Assembly)
                    {
                        AddSettings(settings, value, name + ".", depth + 1);
                    }

                    break;
            }
        }
    }
}
