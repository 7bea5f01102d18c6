namespace Flip.Experiments.Tests;

public sealed class ExperimentGridTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flip-grid-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string json)
    {
        string path = Path.Combine(_folder, "grid.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Cells_are_the_cartesian_product_with_mu_for_FedProx_only()
    {
        ExperimentGrid grid = ExperimentGrid.Load(Write("""
            { "name": "mu", "strategies": ["fedavg", "fedprox"], "seeds": [1, 2], "rounds": 3,
              "learning-rates": [0.001, 0.002], "proximal-mu": [0.01, 0.1] }
            """));

        var cells = grid.Cells();

        // seeds 2 × (fedavg: 2 lr + fedprox: 2 lr × 2 μ) = 2 × 6 = 12
        Assert.Equal(12, cells.Count);
        Assert.Equal("fedprox-seed2-lr0.002-e1-mu0.1", cells[^1].Name);
        Assert.Equal(0.1, cells[^1].Options.ProximalMu);
        Assert.All(cells, c => Assert.Equal(3, c.Options.Rounds));
        Assert.Equal(12, cells.Select(c => c.Name).Distinct().Count());
    }

    [Fact]
    public void Load_reports_every_problem_with_its_JSON_path()
    {
        string path = Write("""
            { "strategys": ["fedavg"], "seeds": [1, "two"], "rounds": 0, "strategies": ["fedavg", "fedmagic"] }
            """);

        var error = Assert.Throws<FlipException>(() => ExperimentGrid.Load(path));

        Assert.Equal(ExitCodes.BadInput, error.ExitCode);
        Assert.Contains("grid.json:1 $.strategys: unknown property; did you mean \"strategies\"?", error.Message);
        Assert.Contains("grid.json:1 $.seeds[1]: found String; expected a number.", error.Message);
        Assert.Contains("grid.json:1 $.strategies[1]: unknown strategy \"fedmagic\"", error.Message);
        Assert.Contains("grid.json:1 $.rounds: 0; expected 1 to 1000.", error.Message);
    }

    [Fact]
    public void Load_names_the_line_of_broken_JSON()
    {
        string path = Write("{\n  \"seeds\": [1,\n}");

        var error = Assert.Throws<FlipException>(() => ExperimentGrid.Load(path));

        Assert.StartsWith("grid.json:3: not valid JSON", error.Message);
    }
}
