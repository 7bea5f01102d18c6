using System.Globalization;
using System.Text.Json;

namespace Flip.Cli.Tests.Interop;

/// <summary>
/// The legacy transport (FlowerService/Join) against real Flower 1.27.0: our client under Flower's own
/// <c>start_server</c> beside a Python <c>NumPyClient</c>, and Python clients under our <c>serve --transport legacy</c>.
/// </summary>
public sealed class LegacyInteropTests : IDisposable
{
    private static readonly TimeSpan Backstop = TimeSpan.FromMinutes(5);

    /// <summary>What Flower's start_server prints once its port accepts connections.</summary>
    private const string ServerListening = "gRPC server running";
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-legacy-interop-").FullName;
    private readonly List<NodeProcess> _processes = [];

    public void Dispose()
    {
        foreach (NodeProcess process in _processes)
        {
            process.Dispose();
        }

        Directory.Delete(_folder, recursive: true);
    }

    private static string P(int value) => value.ToString(CultureInfo.InvariantCulture);

    private NodeProcess Track(NodeProcess process)
    {
        _processes.Add(process);
        return process;
    }

    private NodeProcess FlowerServer(int port, string summary, params string[] extra) => Track(NodeProcess.Of(FlowerHarness.Start(FlowerHarness.Python,
        [FlowerHarness.LegacyScript("legacy_server.py"), "--address", $"127.0.0.1:{P(port)}", "--rounds", "3", "--min-clients", "2", "--summary", summary, .. extra],
        Path.Combine(_folder, "flwr-home"))));

    private NodeProcess PythonClient(int port, int seed) => Track(NodeProcess.Of(FlowerHarness.Start(FlowerHarness.Python,
        [FlowerHarness.LegacyScript("legacy_client.py"), "--server", $"127.0.0.1:{P(port)}", "--seed", P(seed), "--name", "py" + P(seed)],
        Path.Combine(_folder, "flwr-home"))));

    private NodeProcess OurClient(int port, string site) => Track(NodeProcess.Start("client", "--transport", "legacy", "--server", $"http://127.0.0.1:{P(port)}",
        "--site", site, "--scale", "0.02", "--base-channels", "4", "--device", "cpu"));

    [FlowerFact]
    public async Task Our_client_beside_a_python_client_under_start_server_supplies_the_initial_model_and_everyone_exits_0()
    {
        // Given Flower's start_server (stock FedAvg, 3 rounds, 2 clients), which asks the first client to connect for the initial model
        int port = CliProcess.FreePort();
        string summaryFile = Path.Combine(_folder, "summary.json");
        NodeProcess server = FlowerServer(port, summaryFile);

        // When our client connects first, and a Python NumPyClient once Flower has taken the initial model from ours
        NodeProcess ours = OurClient(port, "site-1");
        Assert.True(await server.WaitForTextAsync(ServerListening, Backstop), server.Output + ours.Output);
        Assert.True(await server.WaitForTextAsync("Received initial parameters from one random client", Backstop), server.Output + ours.Output);
        NodeProcess python = PythonClient(port, 0);

        // Then all three run 3 rounds without a failure and exit 0
        Assert.True(await server.WaitAsync(Backstop), server.Output + ours.Output + python.Output);
        Assert.True(server.ExitCode == 0, server.Output + ours.Output);
        Assert.True(await ours.WaitAsync(TimeSpan.FromMinutes(1)), ours.Output);
        Assert.True(ours.ExitCode == 0, ours.Output);
        Assert.Contains("the server ended the session; client stopped.", ours.Output);
        Assert.True(await python.WaitAsync(TimeSpan.FromMinutes(1)), python.Output);
        Assert.True(python.ExitCode == 0, python.Output);
        // ...on our model: the Python client trained the 92 arrays of our U-Net, not its own 2
        Assert.Contains("[py0] fit #1: 92 arrays", python.Output);
        Assert.Contains("[py0] done: 3 fit, 3 evaluate", python.Output);
        using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(summaryFile));
        Assert.Equal(3, summary.RootElement.GetProperty("rounds_completed").GetInt32());
        Assert.True(summary.RootElement.GetProperty("ok").GetBoolean());
        foreach (JsonProperty round in summary.RootElement.GetProperty("per_round").EnumerateObject())
        {
            Assert.Equal(2, round.Value.GetProperty("fit").GetProperty("results").GetInt32());
            Assert.Equal(2, round.Value.GetProperty("evaluate").GetProperty("results").GetInt32());
        }
    }

    [FlowerFact]
    public async Task A_fit_our_client_cannot_run_gets_a_failure_status_and_flower_goes_on()
    {
        // Given start_server with its own 2-array model, which our U-Net node cannot train
        int port = CliProcess.FreePort();
        string summaryFile = Path.Combine(_folder, "summary.json");
        NodeProcess server = FlowerServer(port, summaryFile, "--initial", "tiny");
        // (Flower's own start_client does not retry a refused connection: its client starts once the server listens.)
        Assert.True(await server.WaitForTextAsync(ServerListening, Backstop), server.Output);
        NodeProcess ours = OurClient(port, "site-2");
        NodeProcess python = PythonClient(port, 1);

        // When the run ends (legacy_server.py exits 1 when any round had a failure)
        Assert.True(await server.WaitAsync(Backstop), server.Output + ours.Output + python.Output);

        // Then every round ran: our fit and evaluate were failures with our reason, the Python client's results were aggregated
        using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(summaryFile));
        Assert.True(summary.RootElement.GetProperty("rounds_completed").GetInt32() == 3, server.Output);
        foreach (JsonProperty round in summary.RootElement.GetProperty("per_round").EnumerateObject())
        {
            JsonElement fit = round.Value.GetProperty("fit");
            Assert.Equal(1, fit.GetProperty("results").GetInt32());
            Assert.Contains("fit failed on the client: ", Assert.Single(fit.GetProperty("failures").EnumerateArray()).GetString());
            JsonElement evaluate = round.Value.GetProperty("evaluate");
            Assert.Equal(1, evaluate.GetProperty("results").GetInt32());
            Assert.Contains("evaluate failed on the client: ", Assert.Single(evaluate.GetProperty("failures").EnumerateArray()).GetString());
        }

        Assert.Contains("aggregate_fit: received 1 results and 1 failures", server.Output);
        Assert.True(await ours.WaitAsync(TimeSpan.FromMinutes(1)), ours.Output);
        Assert.True(ours.ExitCode == 0, ours.Output);
        Assert.Contains("with a failure status: ", ours.Output);
        Assert.True(await python.WaitAsync(TimeSpan.FromMinutes(1)), python.Output);
        Assert.True(python.ExitCode == 0, python.Output);
    }

    [FlowerFact]
    public async Task Python_clients_under_our_legacy_serve_finish_three_rounds()
    {
        // Given our legacy server
        int port = CliProcess.FreePort();
        string run = Path.Combine(_folder, "run");
        NodeProcess server = Track(NodeProcess.Start("serve", "--transport", "legacy", "--port", P(port), "--rounds", "3", "--min-nodes", "2",
            "--base-channels", "4", "--wait-seconds", "300", "--out", run));
        Assert.True(await server.WaitForTextAsync("Legacy FlowerService listening on", Backstop), server.Output);

        // When two of Flower's NumPyClients join with start_client
        NodeProcess[] clients = [PythonClient(port, 0), PythonClient(port, 1)];

        // Then three rounds aggregate both, and everyone exits 0
        Assert.True(await server.WaitAsync(Backstop), server.Output);
        Assert.True(server.ExitCode == 0, server.Output);
        for (int round = 1; round <= 3; round++)
        {
            Assert.Contains($"round {P(round)}/3: 2 client(s) aggregated, 0 failed", server.Output);
        }

        foreach (NodeProcess client in clients)
        {
            Assert.True(await client.WaitAsync(TimeSpan.FromMinutes(1)), client.Output);
            Assert.True(client.ExitCode == 0, client.Output);
            Assert.Contains("done: 3 fit, 3 evaluate", client.Output);
        }
    }
}
