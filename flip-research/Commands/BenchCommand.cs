using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Flip.Benchmarks;
using Flip.Benchmarks.Federated;
using Flip.Benchmarks.Flower;
using Flip.Benchmarks.Imaging;
using Flip.Benchmarks.Learning;
using Spectre.Console;

namespace Flip.Cli.Commands;

/// <summary><c>flip-research bench</c>: the reference workloads of BENCHMARKS.md, one fresh process each.</summary>
internal static class BenchCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static Command Create(IAnsiConsole console)
    {
        var workload = new Option<string[]>("--workload", "-w")
        {
            Description = "Workloads to run: " + string.Join(", ", TrainingWorkloads.Names) + " (default: all).",
            AllowMultipleArgumentsPerToken = true,
        };
        workload.AcceptOnlyFromAmong([.. TrainingWorkloads.Names]);
        var processes = new Option<int>("--processes", "-p")
        {
            Description = "Fresh processes per workload; the table shows the median of their medians and its range.",
            DefaultValueFactory = _ => 1,
        };
        processes.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 50)
            {
                r.AddError("--processes must be between 1 and 50.");
            }
        });
        var threads = new Option<int>("--threads") { Description = "libtorch intra-op threads.", DefaultValueFactory = _ => 2 };
        var json = JsonOption();
        var peer = new Option<bool>("--peer")
        {
            Description = "Also run the PyTorch peer (python3 with torch, e.g. Debian's python3-torch) alternately with the C# process " +
                "(C#, peer, peer, C#, ...) and report the ratio C#/peer.",
        };
        var device = new Option<string>("--device")
        {
            Description = "libtorch device of the C# workloads: cpu, auto (CUDA when present), cuda or cuda:N (needs TorchSharp's CUDA package: README, 'Using a GPU'). " +
                "The PyTorch peer runs on the CPU.",
            DefaultValueFactory = _ => "cpu",
        };
        var inProcess = new Option<bool>("--in-process") { Description = "Run one workload in this process (used by bench itself).", Hidden = true };

        var command = new Command("bench",
            "Run the reference workloads of BENCHMARKS.md (W1 U-Net training and inference, W2 3D classifier training), " +
            "each in a fresh process: median step time, samples/s, start-up to the first tensor operation, peak RSS.\n\n" +
            "Examples:\n  flip-research bench\n  flip-research bench --workload w1-train --processes 3 --json\n  flip-research bench --peer --processes 4")
        {
            workload, processes, threads, device, json, peer, inProcess,
        };
        command.Add(BenchCompareCommand.Create(console));
        command.Add(DicomBench(console));
        command.Add(FederatedBench(console));
        command.Add(DataBenchCommand.Create(console));
        command.Add(LoadBenchCommand.Create(console));
        command.Add(PacsBench.Create(console));
        command.Add(SecurityBenchCommands.SecureAggregation(console));
        command.Add(SecurityBenchCommands.Robust(console));
        command.SetAction(parse =>
        {
            string[] names = parse.GetValue(workload) is { Length: > 0 } chosen ? chosen : [.. TrainingWorkloads.Names];
            int threadCount = parse.GetValue(threads);
            if (parse.GetValue(inProcess))
            {
                WorkloadResult result = TrainingWorkloads.Run(names[0], threadCount, parse.GetValue(device)!);
                Console.Out.WriteLine(JsonSerializer.Serialize(result, Json));
                return ExitCodes.Ok;
            }

            // Resolved here first, so that a CUDA request on a CPU build is one clear error rather than a failed child process.
            string target = Flip.Learning.Devices.DeviceChoice.Resolve(parse.GetValue(device)!).ToString();
            return RunAll(console, names, parse.GetValue(processes), threadCount, target, parse.GetValue(json), parse.GetValue(peer));
        });
        return command;
    }

    private static int RunAll(IAnsiConsole console, string[] names, int processes, int threads, string device, bool json, bool withPeer)
    {
        var results = new List<WorkloadResult>();
        var peers = new List<WorkloadResult>();
        void RunEach(Action<string> report)
        {
            foreach (string name in names)
            {
                for (int i = 0; i < processes; i++)
                {
                    report($"{name}: process {i + 1} of {processes}");
                    // Alternate C#, peer, peer, C#, ... so drift in the machine's load hits both sides alike.
                    // w1-trainer measures our own trainer; the peer has no counterpart.
                    bool peerHere = withPeer && name != "w1-trainer";
                    bool peerFirst = peerHere && i % 2 == 1;
                    if (peerFirst)
                    {
                        peers.Add(RunPeer(name, threads));
                    }

                    results.Add(RunChild(name, threads, device));
                    if (peerHere && !peerFirst)
                    {
                        peers.Add(RunPeer(name, threads));
                    }
                }
            }
        }

        if (json)
        {
            RunEach(_ => { }); // standard output carries the JSON alone
        }
        else
        {
            console.Status().Start("benchmarking", context => RunEach(status => context.Status(status)));
        }

        if (json)
        {
            BenchmarkReport.Create("bench", threads, TrainingRecords(results, peers), device).Write(Console.Out);
            return ExitCodes.Ok;
        }

        if (withPeer)
        {
            console.Write(PeerTable(results, peers));
        }

        var table = new Table().Border(TableBorder.Simple)
            .AddColumns("workload", "processes", "median ms (min–max)", "samples/s", "start-up s", "peak RSS MB", "threads");
        foreach (var group in results.GroupBy(r => r.Workload))
        {
            // The process whose median is the median of the processes' medians represents the group.
            var runs = group.OrderBy(r => r.MedianMs).ToList();
            WorkloadResult middle = runs[runs.Count / 2];
            table.AddRow(
                group.Key,
                runs.Count.ToString(CultureInfo.InvariantCulture),
                F($"{middle.MedianMs:F1} ({runs.Min(r => r.MinMs):F1}–{runs.Max(r => r.MaxMs):F1})"),
                F($"{middle.SamplesPerSecond:F1}"),
                F($"{runs.Select(r => r.StartupToFirstTensorSeconds).Order().ElementAt(runs.Count / 2):F2}"),
                F($"{runs.Max(r => r.PeakRssMegabytes):F0}"),
                middle.Threads.ToString(CultureInfo.InvariantCulture));
        }

        console.Write(table);
        console.MarkupLine("[grey]Reference figures and the peer (PyTorch) definitions: BENCHMARKS.md. Compare ratios measured side by side, not absolute numbers.[/]");
        return ExitCodes.Ok;
    }

    /// <summary>The <c>--json</c> option every bench verb has: the one report shape, <see cref="BenchmarkReport"/>.</summary>
    internal static Option<bool> JsonOption() =>
        new("--json") { Description = "Print the results as one JSON report (the shape every bench verb writes; compare two with 'flip-research bench compare A.json B.json') instead of a table." };

    /// <summary>Per workload: step time, start-up and peak RSS; the PyTorch peer's beside them when it ran.</summary>
    private static IEnumerable<BenchmarkRecord> TrainingRecords(List<WorkloadResult> results, List<WorkloadResult> peers)
    {
        foreach (var group in results.GroupBy(r => r.Workload))
        {
            WorkloadResult middle = Middle(group);
            var peerRuns = peers.Where(p => p.Workload == group.Key).ToList();
            WorkloadResult? peer = peerRuns.Count > 0 ? Middle(peerRuns) : null;
            string? peerName = peer is null ? null : "pytorch";
            yield return new BenchmarkRecord(group.Key, "ms/step", false, middle.MedianMs, group.Min(r => r.MinMs), group.Max(r => r.MaxMs),
                group.Sum(r => r.Iterations), middle.Threads, peerName, peer?.MedianMs);
            BenchmarkRecord startup = BenchmarkRecord.FromRuns(group.Key + " start-up", "s", false, group.Select(r => r.StartupToFirstTensorSeconds), middle.Threads);
            yield return startup with { Peer = peerName, PeerMedian = peer is null ? null : MedianOf(peerRuns.Select(p => p.StartupToFirstTensorSeconds)) };
            BenchmarkRecord rss = BenchmarkRecord.FromRuns(group.Key + " peak RSS", "MB", false, group.Select(r => r.PeakRssMegabytes), middle.Threads);
            yield return rss with { Peer = peerName, PeerMedian = peer is null ? null : MedianOf(peerRuns.Select(p => p.PeakRssMegabytes)) };
        }
    }

    private static double MedianOf(IEnumerable<double> values) => BenchmarkRecord.MedianOf([.. values.Order()]);

    private static string F(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);

    private static Command FederatedBench(IAnsiConsole console)
    {
        var quick = new Option<bool>("--quick") { Description = "Only the W1-sized sets and a small orchestration run (seconds instead of a minute)." };
        var json = JsonOption();
        var peer = new Option<bool>("--peer") { Description = "Also run the numpy peer (Flower's aggregate as shipped, numpy preallocated, np.save/np.load) in a fresh process." };
        var command = new Command("federated", "BENCHMARKS.md W3 (FedAvg aggregation, with the machine's copy and read bandwidth measured in the same process), " +
            "W4 (NPY encode/decode as Flower sends arrays) and the orchestration overhead per site per round (100 sites × 50 rounds, trivial model).\n\n" +
            "Example:\n  flip-research bench federated")
        {
            quick, json, peer,
        };
        command.SetAction(async (parse, ct) =>
        {
            bool small = parse.GetValue(quick);
            var w3 = AggregationBenchmark.Run(new AggregationBenchmarkOptions
            {
                Include25MSet = !small,
                BandwidthProbeBytes = small ? 40_000_000 : 400_000_000,
                MinimumWarmUp = small ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1),
                W1MeasuredCalls = small ? 10 : 50,
            }, ct: ct);
            var w4 = NpyBenchmark.Run(new NpyBenchmarkOptions
            {
                Include25M = !small,
                W1MeasuredCalls = small ? 10 : 50,
                MinimumWarmup = small ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1),
            }, ct);
            var orchestration = await OrchestrationBenchmark.RunAsync(new OrchestrationBenchmarkOptions
            {
                Sites = small ? 20 : 100,
                Rounds = small ? 10 : 50,
            }, ct: ct).ConfigureAwait(false);
            JsonDocument? numpy = parse.GetValue(peer) ? RunFederatedPeer(small) : null;
            if (parse.GetValue(json))
            {
                BenchmarkReport.Create("bench federated", null, FederatedRecords(w3, w4, orchestration, numpy?.RootElement)).Write(Console.Out);
                numpy?.Dispose();
                return ExitCodes.Ok;
            }

            var aggregation = new Table().Border(TableBorder.Simple).Title("W3 FedAvg aggregation, K = 6 sites (preallocated outputs)")
                .AddColumns("set", "threads", "ms (min–max)", "read GB/s", "of read bandwidth", "max |error| vs naive");
            foreach (var a in w3.Aggregations)
            {
                aggregation.AddRow(a.Workload, a.Threads.ToString(CultureInfo.InvariantCulture), F($"{a.MedianMilliseconds:F3} ({a.MinMilliseconds:F3}–{a.MaxMilliseconds:F3})"),
                    F($"{a.ReadGigabytesPerSecond:F1}"), F($"{w3.FractionOfReadBandwidth(a):P0}"), F($"{a.MaxAbsoluteErrorVsNaive:E1}"));
            }

            var bandwidth = new Table().Border(TableBorder.Simple).Title("Memory bandwidth, same process").AddColumns("probe", "threads", "GB/s (min–max)");
            foreach (var b in w3.Bandwidth)
            {
                bandwidth.AddRow(b.Probe, b.Threads.ToString(CultureInfo.InvariantCulture), F($"{b.MedianGigabytesPerSecond:F1} ({b.MinGigabytesPerSecond:F1}–{b.MaxGigabytesPerSecond:F1})"));
            }

            var npy = new Table().Border(TableBorder.Simple).Title("W4 NPY serialisation as Flower does it (one thread)").AddColumns("set", "encode MB/s", "decode MB/s");
            foreach (var n in w4)
            {
                npy.AddRow(n.Set, F($"{n.EncodeMegabytesPerSecond:F0}"), F($"{n.DecodeMegabytesPerSecond:F0}"));
            }

            console.Write(aggregation);
            console.Write(bandwidth);
            console.Write(npy);
            if (numpy is not null)
            {
                var peerTable = new Table().Border(TableBorder.Simple).Title($"Peer ({numpy.RootElement.GetProperty("Implementation").GetString()}), same machine, fresh process")
                    .AddColumns("workload", "set", "peer", "C# (most threads)", "ratio C#/peer");
                foreach (JsonElement row in numpy.RootElement.GetProperty("W3").EnumerateArray())
                {
                    string set = row.GetProperty("Set").GetString()!;
                    double peerMs = row.GetProperty("MedianMilliseconds").GetDouble();
                    var ours = w3.Aggregations.Where(a => a.Workload == set).OrderByDescending(a => a.Threads).First();
                    peerTable.AddRow("W3 " + row.GetProperty("Variant").GetString(), set, F($"{peerMs:F3} ms"), F($"{ours.MedianMilliseconds:F3} ms"), F($"{peerMs / ours.MedianMilliseconds:F1}×"));
                }

                foreach (JsonElement row in numpy.RootElement.GetProperty("W4").EnumerateArray())
                {
                    string set = row.GetProperty("Set").GetString()!;
                    var ours = w4.FirstOrDefault(n => set.StartsWith(n.Set, StringComparison.Ordinal));
                    if (ours is null)
                    {
                        continue;
                    }

                    double encode = row.GetProperty("EncodeMegabytesPerSecond").GetDouble(), decode = row.GetProperty("DecodeMegabytesPerSecond").GetDouble();
                    peerTable.AddRow("W4 encode", set, F($"{encode:F0} MB/s"), F($"{ours.EncodeMegabytesPerSecond:F0} MB/s"), F($"{ours.EncodeMegabytesPerSecond / encode:F1}×"));
                    peerTable.AddRow("W4 decode", set, F($"{decode:F0} MB/s"), F($"{ours.DecodeMegabytesPerSecond:F0} MB/s"), F($"{ours.DecodeMegabytesPerSecond / decode:F1}×"));
                }

                console.Write(peerTable);
                numpy.Dispose();
            }

            console.MarkupLine(F($"Orchestration: {orchestration.Sites} sites × {orchestration.Rounds} rounds, {orchestration.MicrosecondsPerSiteRound:F1} µs per site per round ({orchestration.MillisecondsPerRound:F2} ms per round)."));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>W3 per set and thread count (the peer: Flower's aggregate as shipped), the bandwidth probes, W4 each way (the peer: np.save/np.load), orchestration.</summary>
    private static IEnumerable<BenchmarkRecord> FederatedRecords(AggregationBenchmarkResult w3, IReadOnlyList<NpyBenchmarkResult> w4,
        OrchestrationBenchmarkResult orchestration, JsonElement? numpy)
    {
        string? peerName = numpy is { } p ? p.GetProperty("Implementation").GetString() : null;
        List<JsonElement> peerW3 = numpy is { } a ? [.. a.GetProperty("W3").EnumerateArray()] : [];
        List<JsonElement> peerW4 = numpy is { } b ? [.. b.GetProperty("W4").EnumerateArray()] : [];
        foreach (var m in w3.Aggregations)
        {
            double? flower = peerW3.Where(r => r.GetProperty("Set").GetString() == m.Workload && r.GetProperty("Variant").GetString() == "flower-aggregate")
                .Select(r => (double?)r.GetProperty("MedianMilliseconds").GetDouble()).FirstOrDefault();
            yield return new BenchmarkRecord("w3-aggregate " + m.Workload, "ms", false, m.MedianMilliseconds, m.MinMilliseconds, m.MaxMilliseconds, m.MeasuredCalls, m.Threads,
                flower is null ? null : peerName + " (Flower's aggregate)", flower);
        }

        foreach (var bandwidth in w3.Bandwidth)
        {
            yield return new BenchmarkRecord("bandwidth " + bandwidth.Probe, "GB/s", true, bandwidth.MedianGigabytesPerSecond, bandwidth.MinGigabytesPerSecond, bandwidth.MaxGigabytesPerSecond,
                1, bandwidth.Threads);
        }

        foreach (var n in w4)
        {
            JsonElement? peer = peerW4.Where(r => r.GetProperty("Set").GetString()!.StartsWith(n.Set, StringComparison.Ordinal)).Select(r => (JsonElement?)r).FirstOrDefault();
            double Rate(TimeSpan time) => n.PayloadBytes / 1e6 / time.TotalSeconds;
            yield return new BenchmarkRecord("w4-encode " + n.Set, "MB/s", true, n.EncodeMegabytesPerSecond, Rate(n.EncodeMax), Rate(n.EncodeMin), n.MeasuredCalls, n.Threads,
                peer is null ? null : peerName, peer?.GetProperty("EncodeMegabytesPerSecond").GetDouble());
            yield return new BenchmarkRecord("w4-decode " + n.Set, "MB/s", true, n.DecodeMegabytesPerSecond, Rate(n.DecodeMax), Rate(n.DecodeMin), n.MeasuredCalls, n.Threads,
                peer is null ? null : peerName, peer?.GetProperty("DecodeMegabytesPerSecond").GetDouble());
        }

        yield return new BenchmarkRecord(F($"orchestration {orchestration.Sites} sites"), "µs/site-round", false, orchestration.MicrosecondsPerSiteRound, null, null,
            orchestration.Rounds, orchestration.MaxParallelism);
    }

    private static JsonDocument RunFederatedPeer(bool quick)
        => JsonDocument.Parse(PythonPeer.Run("peer_federated.py", quick ? ["--quick"] : [], "the numpy peer",
            "install numpy (Debian: apt-get install python3-numpy)."));

    private static Command DicomBench(IAnsiConsole console)
    {
        var folder = new Argument<string>("DIR") { Description = "A folder of DICOM files (e.g. written by 'flip-research synth --matrix 256')." };
        var passes = new Option<int>("--passes") { Description = "Timed passes per shape after one warm-up pass.", DefaultValueFactory = _ => 5 }.InRange(1, 100);
        var peer = new Option<bool>("--peer") { Description = "Also time pydicom (Debian's python3-pydicom) on the same files, and report the ratio." };
        var dcmtk = new Option<bool>("--dcmtk") { Description = "Also time dcmtk's dcmdump (one process over the folder, output discarded) for headers only and all values, and report the ratio." };
        var json = JsonOption();
        var command = new Command("dicom", "Reading speed over a folder of DICOM files: headers only, every value, with pixel data (one thread), " +
            "and 'dicom index' on one and two threads; files/s and MB/s.\n\nExample:\n  flip-research bench dicom data/flip6 --peer")
        {
            folder, passes, peer, dcmtk, json,
        };
        command.SetAction(parse =>
        {
            string dir = parse.GetValue(folder)!;
            if (!Directory.Exists(dir))
            {
                throw new FlipException($"folder '{dir}' does not exist.", ExitCodes.BadInput);
            }

            var ours = DicomReadBenchmark.Run(dir, parse.GetValue(passes));
            var peers = parse.GetValue(peer) ? RunDicomPeer(dir, parse.GetValue(passes)) : [];
            if (parse.GetValue(json))
            {
                var dump = parse.GetValue(dcmtk) ? DcmdumpPeer.Run(dir, parse.GetValue(passes), ours[0].Files, ours[0].Bytes) : [];
                BenchmarkReport.Create("bench dicom", null, DicomRecords(ours, peers, dump, parse.GetValue(passes))).Write(Console.Out);
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple).Title($"Reading {ours[0].Files} DICOM files ({ours[0].Bytes / 1e6:F0} MB)")
                .AddColumns("shape", "threads", "files/s", "MB/s", "pydicom files/s", "ratio");
            foreach (var row in ours)
            {
                var other = peers.FirstOrDefault(p => p.Shape == row.Shape);
                table.AddRow(row.Shape, row.Threads.ToString(CultureInfo.InvariantCulture), F($"{row.FilesPerSecond:F0}"), F($"{row.MegabytesPerSecond:F0}"),
                    other is null ? "–" : F($"{other.FilesPerSecond:F0}"), other is null ? "–" : F($"{row.FilesPerSecond / other.FilesPerSecond:F1}×"));
            }

            console.Write(table);
            if (parse.GetValue(dcmtk))
            {
                var dump = DcmdumpPeer.Run(dir, parse.GetValue(passes), ours[0].Files, ours[0].Bytes);
                var side = new Table().Border(TableBorder.Simple).Title("Flip.Imaging and dcmtk's dcmdump, one thread, same files")
                    .AddColumns("shape", "Flip.Imaging files/s", "dcmdump files/s", "ratio");
                foreach (var row in dump)
                {
                    var mine = ours.First(o => o.Shape == row.Shape);
                    side.AddRow(row.Shape, F($"{mine.FilesPerSecond:F0}"), F($"{row.FilesPerSecond:F0}"), F($"{mine.FilesPerSecond / row.FilesPerSecond:F1}×"));
                }

                console.Write(side);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Files/s per shape and thread count; the peer is pydicom (one thread), or dcmtk's dcmdump where only it ran.</summary>
    private static IEnumerable<BenchmarkRecord> DicomRecords(IReadOnlyList<DicomReadResult> ours, IReadOnlyList<DicomReadResult> pydicom,
        IReadOnlyList<DicomReadResult> dcmdump, int passes)
    {
        foreach (var row in ours)
        {
            var other = pydicom.FirstOrDefault(p => p.Shape == row.Shape && p.Threads == row.Threads);
            var dump = dcmdump.FirstOrDefault(p => p.Shape == row.Shape && p.Threads == row.Threads);
            var (name, peer) = other is not null ? ("pydicom", other) : dump is not null ? ("dcmtk dcmdump", dump) : (null, null);
            // The benchmark keeps each shape's median pass only, so there is no range to report.
            yield return new BenchmarkRecord("dicom " + row.Shape, "files/s", true, row.FilesPerSecond, null, null, passes, row.Threads, name, peer?.FilesPerSecond);
        }
    }

    private static List<DicomReadResult> RunDicomPeer(string dir, int passes)
    {
        string output = PythonPeer.Run("peer_dicom.py", [dir, passes.ToString(CultureInfo.InvariantCulture)], "the pydicom peer",
            "install pydicom (Debian: apt-get install python3-pydicom).");
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonSerializer.Deserialize<DicomReadResult>(line)!)];
    }

    private static WorkloadResult Middle(IEnumerable<WorkloadResult> runs)
    {
        var sorted = runs.OrderBy(r => r.MedianMs).ToList();
        return sorted[sorted.Count / 2];
    }

    private static Table PeerTable(List<WorkloadResult> csharp, List<WorkloadResult> peer)
    {
        var table = new Table().Border(TableBorder.Simple).Title("C# (TorchSharp) and the PyTorch peer, side by side")
            .AddColumns("workload", "pairs", "C# samples/s", "peer samples/s", "ratio C#/peer", "start-up s C# / peer", "peak RSS MB C# / peer");
        foreach (var group in csharp.GroupBy(r => r.Workload))
        {
            if (!peer.Any(r => r.Workload == group.Key))
            {
                continue;
            }

            WorkloadResult c = Middle(group);
            WorkloadResult p = Middle(peer.Where(r => r.Workload == group.Key));
            table.AddRow(group.Key, group.Count().ToString(CultureInfo.InvariantCulture),
                F($"{c.SamplesPerSecond:F1}"), F($"{p.SamplesPerSecond:F1}"), F($"{c.SamplesPerSecond / p.SamplesPerSecond:F2}"),
                F($"{c.StartupToFirstTensorSeconds:F2} / {p.StartupToFirstTensorSeconds:F2}"),
                F($"{group.Max(r => r.PeakRssMegabytes):F0} / {peer.Where(r => r.Workload == group.Key).Max(r => r.PeakRssMegabytes):F0}"));
        }

        return table;
    }

    private static WorkloadResult RunPeer(string name, int threads)
    {
        string output = PythonPeer.Run("peer_workloads.py", [name, threads.ToString(CultureInfo.InvariantCulture)], $"the PyTorch peer of {name}",
            "install PyTorch for python3 (Debian: apt-get install python3-torch).", new Dictionary<string, string> { ["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture) });
        return JsonSerializer.Deserialize<WorkloadResult>(output)
            ?? throw new FlipException($"the PyTorch peer of {name} printed no result.", ExitCodes.InternalError);
    }

    private static WorkloadResult RunChild(string name, int threads, string device)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
        {
            start.ArgumentList.Add(typeof(BenchCommand).Assembly.Location);
        }

        foreach (string arg in new[] { "bench", "--in-process", "--workload", name, "--threads", threads.ToString(CultureInfo.InvariantCulture), "--device", device })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        using Process process = Process.Start(start) ?? throw new FlipException($"could not start a benchmark process for {name}.", ExitCodes.Environment);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new FlipException($"the {name} benchmark process exited with {process.ExitCode}: {error.Result.Trim()}", ExitCodes.RunFailed);
        }

        return JsonSerializer.Deserialize<WorkloadResult>(output.Result)
            ?? throw new FlipException($"the {name} benchmark process printed no result.", ExitCodes.InternalError);
    }
}
