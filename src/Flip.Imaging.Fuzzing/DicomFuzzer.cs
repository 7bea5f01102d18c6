using System.Diagnostics;
using System.Globalization;
using System.Text;
using Flip.Imaging.Dicom;
using Flip.Imaging.Volumes;

namespace Flip.Imaging.Fuzzing;

/// <summary>Runs mutants of the seeds through <see cref="DicomReadPath"/> and collects every broken rule: only <see cref="DicomFormatException"/>
/// and <see cref="VolumeAssemblyException"/> may escape, no case may allocate more than its budget, and every case must finish in time.</summary>
public static class DicomFuzzer
{
    /// <summary>Generates case <paramref name="index"/> of a run: always the same seed and mutations for the same run seed and case number.</summary>
    /// <param name="seeds">The seeds.</param>
    /// <param name="runSeed">The run's seed.</param>
    /// <param name="index">The case number.</param>
    /// <returns>The seed index and the mutations.</returns>
    /// <remarks>A case draws from its own stream (<see cref="CaseRandom"/>), so replaying one needs no other case before it.</remarks>
    public static (int Seed, DicomMutation[] Mutations) Case(IReadOnlyList<DicomFuzzSeed> seeds, ulong runSeed, long index) =>
        DicomMutationGen.Cases(seeds)(new CaseRandom(runSeed, index));

    /// <summary>Runs a fuzzing campaign on a background thread, watching each case's time.</summary>
    /// <param name="seeds">Valid files to mutate.</param>
    /// <param name="options">Cases, seed, budgets and where to save findings.</param>
    /// <param name="progress">Called about once a second with the cases done so far.</param>
    /// <returns>The report; a hang ends the run early with a <c>hang</c> finding (the stuck thread is a background thread).</returns>
    public static DicomFuzzReport Run(IReadOnlyList<DicomFuzzSeed> seeds, DicomFuzzOptions options, Action<long, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(options);
        if (seeds.Count == 0) throw new ArgumentException("no seeds to mutate.", nameof(seeds));
        if (options.OutputFolder is not null) Directory.CreateDirectory(options.OutputFolder);
        var cases = DicomMutationGen.Cases(seeds);
        var findings = new Dictionary<string, DicomFuzzFinding>();
        var rejections = Enum.GetValues<DicomMutationKind>().ToDictionary(k => k, _ => 0L);
        long accepted = 0, rejected = 0, findingCases = 0, peak = 0, done = 0;
        long currentCase = -1;
        long caseStarted = 0;
        byte[]? current = null;
        (int Seed, DicomMutation[] Mutations) currentCaseInfo = default;
        var clock = Stopwatch.StartNew();

        void Record(DicomFuzzFinding finding)
        {
            findingCases++;
            lock (findings)
            {
                if (findings.ContainsKey(finding.Signature)) return;
                findings[finding.Signature] = finding with { SavedAs = Save(options.OutputFolder, options.Seed, finding) };
            }
        }

        var worker = new Thread(() =>
        {
            for (long i = 0; i < options.Cases; i++)
            {
                var (seedIndex, mutations) = cases(new CaseRandom(options.Seed, i));
                var seed = seeds[seedIndex];
                var bytes = DicomMutationGen.Apply(seed, mutations);
                Volatile.Write(ref current, bytes);
                currentCaseInfo = (seedIndex, mutations);
                Volatile.Write(ref caseStarted, clock.ElapsedTicks);
                Volatile.Write(ref currentCase, i);
                long before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    DicomReadPath.ReadEverything(bytes);
                    accepted++;
                }
                catch (Exception e) when (e is DicomFormatException or VolumeAssemblyException)
                {
                    rejected++;
                    rejections[mutations[0].Kind]++;
                }
                catch (Exception e)
                {
                    Record(new DicomFuzzFinding("crash", Signature(e), i, seed.Name, mutations, e.ToString(), bytes, null));
                }
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                peak = Math.Max(peak, allocated);
                long budget = options.AllocationBudget(bytes.Length);
                if (allocated > budget)
                {
                    Record(new DicomFuzzFinding("allocation", $"allocation from {seed.Name} {mutations[0].Kind}", i, seed.Name, mutations,
                        string.Create(CultureInfo.InvariantCulture, $"allocated {allocated:N0} bytes reading a {bytes.Length:N0}-byte file; budget {budget:N0}."), bytes, null));
                }
                Interlocked.Increment(ref done);
            }
        })
        { IsBackground = true, Name = "dicom-fuzz" };
        worker.Start();
        long timeoutTicks = (long)(options.CaseTimeout.TotalSeconds * Stopwatch.Frequency);
        long lastReport = 0;
        while (!worker.Join(100))
        {
            long started = Volatile.Read(ref caseStarted);
            long running = Volatile.Read(ref currentCase);
            if (running >= 0 && Interlocked.Read(ref done) == running && clock.ElapsedTicks - started > timeoutTicks)
            {
                var (seedIndex, mutations) = currentCaseInfo;
                mutations ??= [];
                Record(new DicomFuzzFinding("hang", $"hang from {seeds[seedIndex].Name} {mutations.FirstOrDefault()?.Kind}", running, seeds[seedIndex].Name, mutations,
                    $"case still running after {options.CaseTimeout.TotalSeconds:0.#} s.", Volatile.Read(ref current) ?? [], null));
                break;
            }
            if (clock.ElapsedMilliseconds - lastReport >= 1000)
            {
                lastReport = clock.ElapsedMilliseconds;
                progress?.Invoke(Interlocked.Read(ref done), findings.Count);
            }
        }
        progress?.Invoke(Interlocked.Read(ref done), findings.Count);
        lock (findings)
            return new DicomFuzzReport(Interlocked.Read(ref done), accepted, rejected, [.. findings.Values.OrderBy(f => f.Case)], findingCases, clock.Elapsed, peak, rejections);
    }

    /// <summary>The exception type and the first stack frame in our code: one signature per bug, not per input.</summary>
    /// <param name="e">The exception.</param>
    /// <returns>The signature.</returns>
    public static string Signature(Exception e) => ExceptionSignature.Of(e);

    private static string? Save(string? folder, ulong runSeed, DicomFuzzFinding finding)
    {
        if (folder is null) return null;
        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(finding.Input))[..12];
        string path = Path.Combine(folder, $"{finding.Kind}-{hash}.dcm");
        File.WriteAllBytes(path, finding.Input);
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"kind: {finding.Kind}")
            .AppendLine(CultureInfo.InvariantCulture, $"signature: {finding.Signature}")
            .AppendLine(CultureInfo.InvariantCulture, $"case: {finding.Case}")
            .AppendLine(CultureInfo.InvariantCulture, $"run seed: {runSeed}")
            .AppendLine(CultureInfo.InvariantCulture, $"seed file: {finding.SeedName}")
            .AppendLine(CultureInfo.InvariantCulture, $"mutations: {string.Join("; ", finding.Mutations)}")
            .AppendLine(finding.Detail);
        File.WriteAllText(Path.ChangeExtension(path, ".txt"), text.ToString());
        return path;
    }
}
