namespace Flip.Cli.Tests;

/// <summary>Every invalid form of an option, experiment file or report input gives one sentence naming the place, what was expected and the fix, and a non-zero exit (issue #11 "Bad input").</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-cli-bad-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static void AssertOneSentence(CliProcess.Result result, int exitCode, string expected)
    {
        Assert.True(result.ExitCode == exitCode, $"exit {result.ExitCode}, expected {exitCode}: {result.All}");
        string line = Assert.Single(result.All.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Equal("error: " + expected, line);
        Assert.DoesNotContain("   at ", result.All); // no stack trace
    }

    public static TheoryData<string[], int, string> Options() => new()
    {
        { ["simulate", "--rounds", "abc"], 2, "--rounds: 'abc' is not a whole number; expected a whole number (see 'flip-research --help')." },
        { ["simulate", "--rounds", "0"], 2, "--rounds must be between 1 and 1000. Run 'flip-research --help' for the verbs and options." },
        { ["simulate", "--scale", "-1"], 2, "--scale must be in (0, 1]. Run 'flip-research --help' for the verbs and options." },
        { ["simulate", "--strategy", "fedavgg"], 2, "'fedavgg' is not a valid value for --strategy; expected one of centralised, dp-fedavg, fedadagrad, fedadam, fedavg, fedavg-ft, fedavgm, fedbn, fedmedian, fedprox, fedyogi, krum, local-only, scaffold, trimmed-mean. Did you mean 'fedavg'?" },
        { ["serve", "--strategy", "krumm"], 2, "'krumm' is not a valid value for --strategy; expected one of dp-fedavg, fedadagrad, fedadam, fedavg, fedavg-ft, fedavg-secagg, fedavgm, fedbn, fedmedian, fedprox, fedyogi, krum, scaffold, trimmed-mean. Did you mean 'krum'?" },
        { ["serve", "--rounds", "0"], 2, "--rounds must be between 1 and 1000 (got 0); for example --rounds 3. Run 'flip-research --help' for the verbs and options." },
        { ["serve", "--port", "70000"], 2, "--port must be a TCP port between 0 and 65535 (got 70000); 0 picks a free port. Run 'flip-research --help' for the verbs and options." },
        { ["serve", "--address", "hospital"], 2, "--address 'hospital' is not an IP address; expected one such as 127.0.0.1 (loopback) or 0.0.0.0 (every interface). Run 'flip-research --help' for the verbs and options." },
        { ["serve", "--transport", "legacy", "--strategy", "scaffold"], 2, "--strategy scaffold needs the Fleet API: a legacy fit result carries the parameters only, not SCAFFOLD's control-variate change. Fix: drop --transport legacy (FLIP nodes send Δcᵢ beside their update over the Fleet API), or choose another strategy." },
        { ["serve", "--transport", "grpc"], 2, "'grpc' is not a valid value for --transport; expected one of fleet, legacy." },
        { ["serve", "--transport", "legacy", "--authorized-keys", "/nonexistent/keys.pem"], 2, "--authorized-keys needs the Fleet API: Flower's legacy transport carries no node keys. Fix: drop --transport legacy, or admit nodes by certificate (--tls-client-ca)" },
        { ["client", "--server", "localhost", "--site", "site-1"], 2, "--server 'localhost' is not a server address; expected http://HOST:PORT or https://HOST:PORT, for example http://127.0.0.1:9092. Run 'flip-research --help' for the verbs and options." },
        { ["client", "--server", "http://127.0.0.1:9", "--site", "site-1", "--transport", "legacy", "--require-secure-aggregation"], 2, "--require-secure-aggregation: the legacy transport has no secure aggregation (its fit results carry the update itself). Fix: use the Fleet transport (the default), or drop --require-secure-aggregation." },
        { ["client", "--server", "http://127.0.0.1:9", "--site", "site-1", "--transport", "legacy", "--secagg-peers", "peers.pem"], 2, "--secagg-peers: the legacy transport has no secure aggregation and no node keys. Fix: use the Fleet transport (the default), or drop --secagg-peers." },
        { ["client", "--server", "http://127.0.0.1:9", "--site", "site-1", "--app", "no-such-app"], 2, "--app no-such-app: no such file and no built-in app contract of that name; expected a contract file (JSON) or one of flip, flower-unetapp, slim-unet." },
        { ["client", "--server", "http://127.0.0.1:9", "--site", "site-1", "--app", "slim-unet", "--manifest", "hospital.json"], 2, "--app slim-unet: the contract trains on a FLIP-6 hospital of the synthetic cohort, but --manifest was given. Fix: drop --manifest, or use a contract with data 'any' or 'manifest'." },
        { ["serve", "--secagg-threshold", "0.3"], 2, "--secagg-threshold sets up secure aggregation, which this run does not use. Fix: add --secure-aggregation, or drop --secagg-threshold." },
        { ["serve", "--secure-aggregation", "--secagg-threshold", "1.5"], 2, "--secagg-threshold must be in (0, 1], for example 0.5. Run 'flip-research --help' for the verbs and options." },
        { ["simulate", "--secagg-neighbours", "2"], 2, "--secagg-neighbours sets up secure aggregation, which this run does not use. Fix: add --secure-aggregation, or drop --secagg-neighbours." },
        { ["bench", "dicom", ".", "--passes", "0"], 2, "--passes must be between 1 and 100 (got 0); for example --passes 3. Run 'flip-research --help' for the verbs and options." },
        { ["fuzz", "dicom", "--cases", "0"], 2, "--cases must be at least 1 (got 0); for example --cases 100000. Run 'flip-research --help' for the verbs and options." },
        { ["fuzz", "fleet", "--wire-cases", "-1"], 2, "--wire-cases must be at least 0 (got -1); for example --wire-cases 500. Run 'flip-research --help' for the verbs and options." },
        { ["fuzz", "dicom", "--seed", "-3"], 2, "--seed: '-3' is not a whole number ≥ 0; expected a whole number ≥ 0 (see 'flip-research --help')." },
        { ["dicom", "dump", "/nonexistent/scan.dcm"], 3, "'/nonexistent/scan.dcm' does not exist." },
        { ["dicom", "index", "/nonexistent/folder"], 3, "folder '/nonexistent/folder' does not exist." },
        { ["report", "/nonexistent/run"], 3, "run folder '/nonexistent/run' does not exist. Fix: pass a folder written by 'flip-research simulate'." },
    };

    [Theory]
    [MemberData(nameof(Options))]
    public void Invalid_options_give_one_sentence_and_a_non_zero_exit(string[] args, int exitCode, string expected)
        => AssertOneSentence(CliProcess.Run(args), exitCode, expected);

    [Fact]
    public void A_refused_client_creates_no_node_key()
    {
        string key = Path.Combine(_folder, "node-key.pem");
        string[] client = ["client", "--server", "http://127.0.0.1:9", "--site", "site-1", "--key", key];

        Assert.Equal(2, CliProcess.Run([.. client, "--transport", "legacy", "--require-secure-aggregation"]).ExitCode);
        Assert.Equal(2, CliProcess.Run([.. client, "--share", "predictions"]).ExitCode);
        CliProcess.Result missingPeers = CliProcess.Run([.. client, "--secagg-peers", Path.Combine(_folder, "peers.pem")]);
        Assert.Equal(3, missingPeers.ExitCode);
        Assert.Contains($"{Path.Combine(_folder, "peers.pem")}: cannot be read", missingPeers.All, StringComparison.Ordinal);
        Assert.Equal(2, CliProcess.Run([.. client, "--app", "no-such-app"]).ExitCode);

        Assert.False(File.Exists(key));
    }

    [Fact]
    public void Issue21_a_legacy_server_given_authorized_keys_is_refused_and_writes_nothing()
    {
        string keys = Write("keys.pem", CliProcess.Run("client", "--key", Path.Combine(_folder, "node.key"), "--export-public-key").Output);
        string run = Path.Combine(_folder, "legacy-run");

        CliProcess.Result result = CliProcess.Run("serve", "--transport", "legacy", "--authorized-keys", keys, "--port", "0", "--out", run);

        Assert.Equal(2, result.ExitCode);
        Assert.DoesNotContain("other nodes are refused", result.All);
        Assert.DoesNotContain("listening", result.All);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void An_app_contract_file_names_the_file_and_JSON_path_of_its_problem()
    {
        string contract = Write("app.json", """{ "name": "hospital-app", "train": { "config": { "lr": "eta" } } }""");
        string key = Path.Combine(_folder, "node-key.pem");

        CliProcess.Result result = CliProcess.Run("client", "--server", "http://127.0.0.1:9", "--site", "site-1", "--key", key, "--app", contract);

        AssertOneSentence(result, 3, $"{contract} $.train.config.lr: \"eta\" is not a FLIP setting; expected one such as learning-rate, local-steps or batch-size.");
        Assert.False(File.Exists(key));
    }

    [Fact]
    public void A_non_empty_out_folder_is_refused_with_the_fix()
    {
        Write("taken/keep.txt", "x");
        string folder = Path.Combine(_folder, "taken");
        AssertOneSentence(CliProcess.Run("synth", "--out", folder), 2, $"output folder '{folder}' is not empty. Fix: choose a new --out folder.");
        AssertOneSentence(CliProcess.Run("simulate", "--out", folder), 2,
            $"run folder '{folder}' already exists and is not empty. Fix: choose another --out, delete the folder, or continue it with --resume {folder}.");
    }

    [Fact]
    public void Experiment_files_name_the_file_line_and_JSON_path()
    {
        string broken = Write("broken.json", "{\"rounds\": 3,");
        var result = CliProcess.Run("simulate", "--experiment", broken);
        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("error: broken.json:1: not valid JSON (", result.Output.Trim());
        Assert.EndsWith("expected an object such as {\"strategies\": [\"fedavg\"], \"seeds\": [1, 2]}.", result.Output.Trim());

        string grid = Write("grid.json", "{\n  \"strategies\": [\"fedavg\", 3],\n  \"seeds\": [1, \"x\"],\n  \"rounds\": \"three\",\n  \"scal\": 0.5\n}\n");
        result = CliProcess.Run("simulate", "--experiment", grid);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal(
            [
                "error: grid.json:5 $.scal: unknown property; did you mean \"scale\"?",
                "grid.json:2 $.strategies[1]: found Number; expected a string.",
                "grid.json:3 $.seeds[1]: found String; expected a number.",
                "grid.json:4 $.rounds: found String; expected a number.",
            ],
            result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        AssertOneSentence(CliProcess.Run("simulate", "--experiment", Path.Combine(_folder, "missing.json")), 3, $"experiment file '{Path.Combine(_folder, "missing.json")}' does not exist.");
    }

    [Fact]
    public void Malformed_metrics_and_run_files_name_the_line_and_column()
    {
        Write("r1/run.json", "{\"strategy\":\"fedavg\"}");
        Write("r1/metrics.csv", "round,site,split,metric,value\n1,site-1,test,dice,abc\n");
        AssertOneSentence(CliProcess.Run("report", Path.Combine(_folder, "r1")), 3,
            $"{Path.Combine(_folder, "r1", "metrics.csv")}:2 column 5 (value): 'abc'; expected an invariant-culture number such as 0.81. Fix: Write the file in invariant culture with the header shown, one value per line.");

        Write("r2/run.json", "{\"strategy\":\"fedavg\"}");
        Write("r2/metrics.csv", "round,site,metric\n1,site-1,dice\n");
        AssertOneSentence(CliProcess.Run("report", Path.Combine(_folder, "r2")), 3,
            $"{Path.Combine(_folder, "r2", "metrics.csv")}:1: header 'round,site,metric'; expected 'round,site,split,metric,value'. Fix: Write the file in invariant culture with the header shown, one value per line.");

        Write("r3/run.json", "{\"strategy\":");
        Write("r3/metrics.csv", "round,site,split,metric,value\n");
        var result = CliProcess.Run("report", Path.Combine(_folder, "r3"));
        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith($"error: {Path.Combine(_folder, "r3", "run.json")}:1 $: text that is not JSON (", result.Output.Trim());
        Assert.EndsWith("expected a JSON object.", result.Output.Trim());
    }
}
