using System.Security.Cryptography;
using Google.Protobuf;
using W = Flip.Flower.Wire;

namespace Flip.Flower.Fleet;

/// <summary>
/// The runs a Fleet server answers <c>GetRun</c> for and the app bundles (FABs) it answers <c>GetFab</c> with, as the run
/// table of Flower's <c>LinkState</c>. Every run is <c>running</c> from its start; this server never ends one.
/// </summary>
/// <remarks>Every member takes the gate the server's parts share (re-entrant), so it never runs beside another part's step.</remarks>
/// <param name="gate">The lock shared with the server's other parts.</param>
internal sealed class RunRegistry(object gate)
{
    private readonly object _gate = gate;
    private readonly Dictionary<ulong, W.Run> _runs = [];
    private readonly Dictionary<string, W.Fab> _fabs = new(StringComparer.Ordinal);

    /// <summary>Registers (or replaces) a run with status <c>running</c>, and its app bundle when there is one.</summary>
    /// <param name="runId">The run id.</param>
    /// <param name="overrideConfig">Run-config values for <c>Run.override_config</c>, or <see langword="null"/>.</param>
    /// <param name="fab">The FAB zip, or <see langword="null"/>; its SHA-256 hex becomes <c>Run.fab_hash</c>.</param>
    /// <param name="fabId">The app's <c>publisher/name</c>.</param>
    /// <param name="fabVersion">The app's version.</param>
    public void Start(ulong runId, IReadOnlyDictionary<string, W.Scalar>? overrideConfig, byte[]? fab, string? fabId, string? fabVersion)
    {
        var run = new W.Run
        {
            RunId = runId,
            Status = new W.RunStatus { Status = "running" },
            Federation = "@none/default",
            FabId = fabId ?? string.Empty,
            FabVersion = fabVersion ?? string.Empty,
        };
        if (overrideConfig is not null)
        {
            foreach ((string key, W.Scalar value) in overrideConfig)
            {
                run.OverrideConfig[key] = value;
            }
        }

        W.Fab? bundle = null;
        if (fab is not null)
        {
            run.FabHash = Convert.ToHexStringLower(SHA256.HashData(fab));
            bundle = new W.Fab { HashStr = run.FabHash, Content = ByteString.CopyFrom(fab) };
        }

        lock (_gate)
        {
            if (bundle is not null)
            {
                _fabs[bundle.HashStr] = bundle;
            }

            _runs[runId] = run;
        }
    }

    /// <summary>A copy of a run's information.</summary>
    /// <param name="runId">The run id.</param>
    /// <returns>The run.</returns>
    /// <exception cref="FleetRefusedException">No such run.</exception>
    public W.Run Find(ulong runId)
    {
        lock (_gate)
        {
            return _runs.TryGetValue(runId, out W.Run? run) ? run.Clone() : throw FleetRefusedException.UnknownRun(runId);
        }
    }

    /// <summary>An app bundle given to <see cref="Start"/>.</summary>
    /// <param name="hash">Its SHA-256 hex.</param>
    /// <returns>The bundle.</returns>
    /// <exception cref="FleetRefusedException">No such bundle.</exception>
    public W.Fab FindFab(string hash)
    {
        lock (_gate)
        {
            return _fabs.TryGetValue(hash, out W.Fab? fab) ? fab : throw FleetRefusedException.UnknownFab(hash);
        }
    }
}
