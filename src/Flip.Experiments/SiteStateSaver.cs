using System.Globalization;
using Flip.Federated;
using Flip.Federated.Runs;
using Flip.Federated.Simulations;
using Flip.Learning.Checkpoints;

namespace Flip.Experiments;

/// <summary>
/// Saves each simulated site's own state after every round, next to the run, and restores it on
/// resume. In a real deployment this state stays on the hospital's disk; in a simulation every
/// site's disk is this machine's.
/// </summary>
/// <remarks>
/// The run store commits a round before the sites' state of that round is saved, so a crash in
/// between leaves a committed round without site state. A marker file written after all sites'
/// state tells the two apart; <see cref="Restore"/> then rolls the run back to the newest round
/// whose state is complete, so a resumed run still ends exactly as an uninterrupted one.
/// </remarks>
internal sealed class SiteStateSaver(IReadOnlyList<Site> sites, string runFolder, IProgress<RoundReport>? next) : IProgress<RoundReport>
{
    private const string FolderName = "site-state";

    public void Report(RoundReport value)
    {
        string root = Path.Combine(runFolder, FolderName);
        foreach (Site site in sites)
        {
            string folder = Path.Combine(root, site.Id.Value);
            Directory.CreateDirectory(folder);
            Save(folder, value.Round, "local", site.State.LocalParameters);
            Save(folder, value.Round, "control", site.State.ControlVariate);
        }

        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, Marker(value.Round)), string.Empty);
        string older = Path.Combine(root, Marker(value.Round - 2));
        if (File.Exists(older))
        {
            File.Delete(older);
        }

        next?.Report(value);
    }

    /// <summary>Loads every site's state of the newest round whose state is complete, rolling the run store back to it if needed.</summary>
    public static void Restore(IReadOnlyList<Site> sites, string runFolder)
    {
        string root = Path.Combine(runFolder, FolderName);
        int last = RunStore.Open(runFolder).LastFinishedRound;
        int round = last;
        while (round > 0 && !File.Exists(Path.Combine(root, Marker(round))))
        {
            round--;
        }

        if (round < last)
        {
            RollBack(runFolder, round);
        }

        foreach (Site site in sites)
        {
            string folder = Path.Combine(root, site.Id.Value);
            site.State.LocalParameters = Load(folder, round, "local");
            site.State.ControlVariate = Load(folder, round, "control");
        }
    }

    private static void RollBack(string runFolder, int round)
    {
        // Forget the rounds after `round`: their metrics and the progress marker (checkpoints stay).
        var store = RunStore.Open(runFolder);
        var kept = store.ReadMetrics().Where(m => m.Round <= round).ToList();
        WriteAtomically(Path.Combine(runFolder, RunStore.MetricsFileName), RunStore.FormatMetrics(kept));
        WriteAtomically(Path.Combine(runFolder, RunStore.ProgressFileName), string.Create(CultureInfo.InvariantCulture, $"{{\"last-finished-round\": {round}}}\n"));
    }

    private static string Marker(int round) => string.Create(CultureInfo.InvariantCulture, $"round-{round:D4}.complete");

    private static string FileName(int round, string kind) => string.Create(CultureInfo.InvariantCulture, $"round-{round:D4}.{kind}.safetensors");

    private static void Save(string folder, int round, string kind, ParameterSet? state)
    {
        if (state is null)
        {
            return;
        }

        SafetensorsFile.Write(Path.Combine(folder, FileName(round, kind)), state);
        // Keep this round and the one before: a crash during this save falls back to the previous one.
        string older = Path.Combine(folder, FileName(round - 2, kind));
        if (File.Exists(older))
        {
            File.Delete(older);
        }
    }

    private static ParameterSet? Load(string folder, int round, string kind)
    {
        string path = Path.Combine(folder, FileName(round, kind));
        return File.Exists(path) ? SafetensorsFile.Read(path) : null;
    }

    private static void WriteAtomically(string path, string text)
    {
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
